from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.views.decorators.cache import never_cache

from .roles import is_staff


def staff_required(view):
    """Anonymous visitors go to the login page; signed-in non-staff get a 403.

    Staff pages show what only staff may see: no browser or shared cache keeps
    them (``Cache-Control: private, no-store``, among Django's never-cache set).
    """

    @never_cache
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_staff(request.user):
            raise PermissionDenied("Only staff can do this.")
        return view(request, *args, **kwargs)

    return wrapper


def staff_only(patterns):
    """Wrap the view of every URL pattern given, the way the admin wraps its own."""
    for pattern in patterns:
        pattern.callback = staff_required(pattern.callback)
    return patterns
