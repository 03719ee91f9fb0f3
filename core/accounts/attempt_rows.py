"""A bound on the failed-login rows one address can add.

Axes keeps one row per username, address and browser that failed, so a client
trying made-up usernames adds a row for each (200 in 42 s were measured). Rows
older than the cool-off are deleted on every attempt; within it, an address
holding ``LOGIN_ATTEMPT_ROWS_PER_ADDRESS`` rows is refused like a locked-out
pair, and a refused attempt adds no row (``AXES_RESET_COOL_OFF_ON_FAILURE_DURING_
LOCKOUT`` off). The bound is per address and the same for every username, known
or not, so the answer tells nothing about which usernames exist.
"""

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from django.conf import settings


def rows_of_address(request):
    """The failed-login rows of the request's address that still count."""
    rows = AccessAttempt.objects.filter(ip_address=request.axes_ip_address)
    if get_cool_off(request) is not None:
        rows = rows.filter(attempt_time__gte=get_cool_off_threshold(request))
    return rows


class BoundedAttemptsHandler(AxesDatabaseHandler):
    """Axes' database handler (``AXES_HANDLER``), also locking out an address
    that holds as many rows as it may."""

    def is_locked(self, request, credentials=None):
        if super().is_locked(request, credentials):
            return True
        limit = settings.LOGIN_ATTEMPT_ROWS_PER_ADDRESS
        return rows_of_address(request)[limit - 1 : limit].exists()
