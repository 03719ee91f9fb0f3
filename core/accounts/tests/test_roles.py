import pytest
from django.contrib.auth.models import AnonymousUser

from accounts.roles import is_staff

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "user, expected",
    [
        ("staff_user", True),
        ("superuser", True),
        ("regular_user", False),
        ("inactive_staff_user", False),
    ],
)
def test_only_active_staff_count_as_staff(request, user, expected):
    assert is_staff(request.getfixturevalue(user)) is expected


def test_anonymous_is_not_staff():
    assert is_staff(AnonymousUser()) is False
    assert is_staff(None) is False
