"""A real daphne for what the server itself enforces (Origin, bodies, shutdown)."""

import pytest

from dashboard.tests.live_server import Daphne


class ConfiguredDaphne(Daphne):
    """The tests' daphne with extra environment variables, e.g. a broken
    ``REDIS_URL`` or another ``MAX_REQUEST_BODY_BYTES``."""

    def __init__(self, log_dir, **environment):
        super().__init__(log_dir)
        self.extra_environment = environment

    def environment(self):
        return {**super().environment(), **self.extra_environment}


@pytest.fixture
def start_daphne(tmp_path, transactional_db):
    """``start_daphne(**environment)`` -> a running daphne, stopped at the end."""
    servers = []

    def start(**environment):
        server = ConfiguredDaphne(tmp_path, **environment)
        servers.append(server)
        return server.start()

    yield start
    for server in servers:
        server.stop()
        print(server.log()[-3000:])  # shown by pytest only when the test failed


@pytest.fixture
def daphne(start_daphne):
    return start_daphne()
