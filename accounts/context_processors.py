from django.utils.functional import SimpleLazyObject

from .access import CHANGE_MANAGER, RESEARCHER, has_role, is_administrator


def roles(request):
    """What the menu may offer. Lazy: the respondent's pages never pay for the queries."""

    def compute():
        user = request.user
        return {
            "change_manager": has_role(user, CHANGE_MANAGER),
            "researcher": has_role(user, RESEARCHER),
            "administrator": is_administrator(user),
            "staff": user.is_active and user.is_staff,
        }

    return {"roles": SimpleLazyObject(compute)}
