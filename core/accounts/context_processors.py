"""``staff`` in every template: the one staff check, as templates ask it.

``{% if staff %}`` is active staff; ``{% if staff.change_product %}`` is active staff
holding ``products.change_product``, as the admin and our views decide it
(``roles.has_staff_permission``), so no template spells the check itself.
"""

from functools import cached_property

from . import roles


class StaffPermissions:
    def __init__(self, user, app_label="products"):
        self._user = user
        self._app_label = app_label

    @cached_property
    def _is_staff(self):
        return roles.is_staff(self._user)

    def __bool__(self):
        return self._is_staff

    def __getattr__(self, codename):
        if codename.startswith("_"):
            raise AttributeError(codename)
        return self._is_staff and roles.has_staff_permission(
            self._user, f"{self._app_label}.{codename}"
        )


def staff(request):
    return {"staff": StaffPermissions(getattr(request, "user", None))}
