"""What error pages and error mails may show of settings and request data."""

import re

from django.views.debug import SafeExceptionReporterFilter

# "scheme://user:password@host": everything between "://" and "@".
URL_CREDENTIALS = re.compile(r"(?<=://)[^/@\s]+@")
MASK = "********@"


def mask_url_credentials(value):
    return URL_CREDENTIALS.sub(MASK, value) if isinstance(value, str) else value


class CredentialMaskingFilter(SafeExceptionReporterFilter):
    """Django's filter, plus credentials inside URLs.

    Django hides a setting or header by its name only (API, TOKEN, KEY, SECRET,
    PASS, SIGNATURE): ``DATABASE_URL``, ``REDIS_URL`` and the channel layer's
    ``hosts`` showed their passwords in clear. Every string shown, in settings
    (nested ones too), request meta and traceback variables, loses its
    ``user:password@``.
    """

    def cleanse_setting(self, key, value):
        return mask_url_credentials(super().cleanse_setting(key, value))

    def get_traceback_frame_variables(self, request, tb_frame):
        return [
            (name, mask_url_credentials(value))
            for name, value in super().get_traceback_frame_variables(request, tb_frame)
        ]
