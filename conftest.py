"""The checkout's root: options every test folder (core/, bench/) shares."""


def pytest_addoption(parser, pluginmanager):
    if not pluginmanager.has_plugin("django"):
        # Read by pytest-django; without it, say so rather than warn.
        parser.addini("DJANGO_SETTINGS_MODULE", "pytest-django's (not loaded)")
