"""The deployment check that login throttling sees the client behind a proxy."""

from accounts.checks import PROXY_HEADERS_MISSING, check_proxy_headers


def test_a_declared_proxy_without_its_headers_is_warned(settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.BEHIND_PROXY = False

    [warning] = check_proxy_headers(None)

    assert warning.id == PROXY_HEADERS_MISSING
    assert "--proxy-headers" in warning.hint


def test_a_proxy_declared_with_its_headers_passes(settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.BEHIND_PROXY = True

    assert check_proxy_headers(None) == []


def test_a_site_served_directly_passes(settings):
    settings.SECURE_PROXY_SSL_HEADER = None
    settings.BEHIND_PROXY = False

    assert check_proxy_headers(None) == []
