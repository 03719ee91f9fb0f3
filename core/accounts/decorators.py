from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.views.decorators.cache import never_cache

from .roles import has_staff_permission, is_staff


def staff_required(view, permission):
    """Anonymous visitors go to the login page; signed-in users who are not
    active staff holding ``permission`` get a 403, as the admin refuses them.

    Staff pages show what only staff may see: no browser or shared cache keeps
    them (``Cache-Control: private, no-store``, among Django's never-cache set).
    """

    @never_cache
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not has_staff_permission(request.user, permission):
            raise PermissionDenied(refusal(request.user))
        return view(request, *args, **kwargs)

    return wrapper


def refusal(user):
    """Why ``user`` may not open a staff page, as the 403 page says it."""
    if not is_staff(user):
        return "Only staff accounts can open this page."
    return (
        "Your staff account does not have the permission this page needs; "
        "an administrator can grant it."
    )


def staff_only(patterns, *, permission):
    """Wrap the view of every URL pattern given, the way the admin wraps its
    own: the group of URLs declares the one permission they need."""
    for pattern in patterns:
        pattern.callback = staff_required(pattern.callback, permission)
    return patterns
