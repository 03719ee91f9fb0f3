"""A real daphne for what the server itself enforces (Origin, bodies, shutdown):
``start_daphne`` (in the root conftest) takes extra environment variables, e.g. a
broken ``REDIS_URL`` or another ``MAX_REQUEST_BODY_BYTES``."""

import pytest


@pytest.fixture
def daphne(start_daphne):
    return start_daphne()
