"""The bench's own tests: its pure parts (statistics, the report, the client's
frame parsing). They need no database, no server and no Django."""

import pytest


def pytest_collection_modifyitems(config, items):
    for item in items:
        item.add_marker(pytest.mark.unit)
