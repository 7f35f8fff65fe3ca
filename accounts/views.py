from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect

from .access import CHANGE_MANAGER, RESEARCHER, has_role


def start_page(request):
    """Where the login form leads: the pages of the person's first role (403 without any)."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if has_role(request.user, CHANGE_MANAGER):
        return redirect("dashboards:home")
    if has_role(request.user, RESEARCHER):
        return redirect("exports:home")
    if request.user.is_active and request.user.is_staff:
        return redirect("admin:index")
    raise PermissionDenied("Your account has no role yet.")
