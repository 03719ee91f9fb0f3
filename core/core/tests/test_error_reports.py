"""The debug page never shows credentials, not even inside URLs."""

import sys

import pytest
from django.test import RequestFactory
from django.views.debug import technical_500_response

from core.error_reports import CredentialMaskingFilter, mask_url_credentials

PASSWORD = "s3cret-Pa55"


@pytest.fixture
def settings_with_credentials(settings):
    settings.DEBUG = True
    settings.DATABASE_URL = f"postgres://shop:{PASSWORD}@db.internal:5432/shop"
    settings.REDIS_URL = f"redis://:{PASSWORD}@cache.internal:6379/0"
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [{"address": settings.REDIS_URL}]},
        }
    }
    return settings


def debug_page():
    request = RequestFactory().get(
        "/media/%ff", HTTP_X_UPSTREAM=f"http://u:{PASSWORD}@x"
    )
    upstream = f"redis://admin:{PASSWORD}@cache.internal:6379/0"  # noqa: F841
    try:
        raise ValueError("broken")
    except ValueError:
        return technical_500_response(request, *sys.exc_info()).content.decode()


def test_the_debug_page_masks_passwords_in_urls(settings_with_credentials):
    page = debug_page()
    assert "db.internal" in page  # the settings are shown...
    assert PASSWORD not in page  # ...without their passwords


@pytest.mark.parametrize(
    "value, masked",
    [
        ("postgres://shop:pw@db:5432/shop", "postgres://********@db:5432/shop"),
        ("redis://:pw@cache:6379/0", "redis://********@cache:6379/0"),
        ("redis://cache:6379/0", "redis://cache:6379/0"),
        ("see https://example.com/a@b", "see https://example.com/a@b"),
        (42, 42),
    ],
)
def test_mask_url_credentials(value, masked):
    assert mask_url_credentials(value) == masked


def test_nested_settings_are_masked():
    cleansed = CredentialMaskingFilter().cleanse_setting(
        "CHANNEL_LAYERS",
        {"default": {"CONFIG": {"hosts": [{"address": "redis://:pw@cache:6379"}]}}},
    )
    assert cleansed["default"]["CONFIG"]["hosts"][0]["address"] == (
        "redis://********@cache:6379"
    )
