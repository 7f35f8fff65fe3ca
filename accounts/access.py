"""Who may see what: the one place that scopes every staff page and query to a person's organizations.

Views never filter by hand: they start from these querysets, so an object of another
organization is simply not found (404), whatever its URL.

The organizations and waves scoped here are surveys' models, reached by their labels
(`apps.get_model`, as Django's auth reaches the user model): surveys uses accounts (the secret
links of its invitations), so accounts imports nothing of surveys.
"""

from django.apps import apps

from .models import ORGANIZATION_MODEL, WAVE_MODEL, Membership

CHANGE_MANAGER = Membership.Role.CHANGE_MANAGER
RESEARCHER = Membership.Role.RESEARCHER


def is_administrator(user):
    return user.is_active and user.is_superuser


def _organizations():
    return apps.get_model(ORGANIZATION_MODEL).objects


def _waves():
    return apps.get_model(WAVE_MODEL).objects


def organizations_for(user, role):
    """The organizations where `user` holds `role` (every organization for an administrator)."""
    if not user.is_authenticated or not user.is_active:
        return _organizations().none()
    if is_administrator(user):
        return _organizations().all()
    return _organizations().filter(memberships__user=user, memberships__role=role).distinct()


def managed_organizations(user):
    return organizations_for(user, CHANGE_MANAGER)


def managed_waves(user):
    return _waves().filter(organization__in=managed_organizations(user))


def researched_waves(user):
    return _waves().filter(organization__in=organizations_for(user, RESEARCHER))


def has_role(user, role):
    return is_administrator(user) or (
        user.is_authenticated and user.is_active and Membership.objects.filter(user=user, role=role).exists()
    )
