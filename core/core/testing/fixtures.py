"""The fixtures every app's tests share, as a pytest plugin: users, logged-in
clients, isolated media, images, and real servers (daphne, Chromium).

The root conftest loads this only when pytest-django runs, so that the pure
tests also run without Django (``pytest -p no:django ...``).
"""

import pytest
import pytest_asyncio
from asgiref.sync import sync_to_async
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connections
from django.test import Client

from accounts.tests.factories import StaffFactory, SuperuserFactory, UserFactory
from core.testing.images import IMAGE_EXTENSIONS, make_image_bytes
from dashboard.tests.live_server import Daphne, chromium


@pytest.fixture(autouse=True)
def announcements_delivered():
    """Changes are announced off the committing thread: deliver a test's own
    before the next test starts, so no event reaches another test's sockets."""
    yield
    from live.publish import announcer

    announcer().release()


@pytest.fixture
async def open_socket():
    """``await open_socket(path, user=None)`` -> (communicator, accepted), through
    the real ASGI application with the page's Origin (and ``user``'s session);
    every socket opened is disconnected at the end, even after a refusal."""
    from channels.testing import WebsocketCommunicator

    from core.asgi import application
    from products.tests.sockets import ORIGIN, session_cookie

    opened = []

    async def connect(path, user=None):
        headers = [(b"origin", ORIGIN.encode())]
        if user is not None:
            cookie = await sync_to_async(session_cookie)(user)
            headers.append((b"cookie", cookie.encode()))
        communicator = WebsocketCommunicator(application, path, headers)
        opened.append(communicator)
        accepted, _ = await communicator.connect(timeout=3)
        return communicator, accepted

    yield connect
    for communicator in opened:
        await communicator.disconnect()


@pytest.fixture(autouse=True)
def media_root(request, settings, tmp_path):
    """Uploads go to a per-test folder, never into the repository; or, for the
    tests of a module that shares one daphne, to that daphne's folder, so that
    it serves what the test saved."""
    if "module_daphne" in request.fixturenames:
        settings.MEDIA_ROOT = request.getfixturevalue("module_daphne").media_root
    else:
        settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


# Users -----------------------------------------------------------------------


@pytest.fixture
def staff_user(db):
    return StaffFactory(username="staff")


@pytest.fixture
def regular_user(db):
    return UserFactory(username="shopper")


@pytest.fixture
def inactive_staff_user(db):
    return StaffFactory(username="former-staff", is_active=False)


@pytest.fixture
def superuser(db):
    return SuperuserFactory(username="admin")


def logged_in_client(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def staff_client(staff_user):
    return logged_in_client(staff_user)


@pytest.fixture
def regular_client(regular_user):
    return logged_in_client(regular_user)


@pytest.fixture
def inactive_staff_client(inactive_staff_user):
    """Logged in, but the auth backend treats the session as anonymous."""
    return logged_in_client(inactive_staff_user)


@pytest.fixture
def superuser_client(superuser):
    return logged_in_client(superuser)


# Images ----------------------------------------------------------------------


@pytest.fixture
def image_bytes():
    """``image_bytes(fmt="PNG", size=(8, 6), color=..., noise=False) -> bytes``."""
    return make_image_bytes


@pytest.fixture
def image_upload():
    """``image_upload(fmt="PNG", name=None, **image_options)``: an uploaded file
    holding a real image, named after its format unless ``name`` is given."""

    def build(fmt="PNG", name=None, **options):
        content = make_image_bytes(fmt, **options)
        name = name or f"picture.{IMAGE_EXTENSIONS[fmt]}"
        return SimpleUploadedFile(name, content, content_type=f"image/{fmt.lower()}")

    return build


# Real servers ----------------------------------------------------------------


@pytest.fixture
def start_daphne(tmp_path, transactional_db):
    """``start_daphne(args=(), **environment)`` -> a running daphne of the test's
    own (a subprocess, see ``dashboard/tests/live_server.py``), stopped at the
    end. For a server the test stops, restarts or configures."""
    servers = []

    def start(args=(), **environment):
        server = Daphne(tmp_path, args=args, **environment)
        servers.append(server)
        return server.start()

    yield start
    for server in servers:
        server.stop()
        print(server.log()[-3000:])  # shown by pytest only when the test failed


# Browser tests, one server and one browser per module -------------------------
# Each test opens its own browser context (cookies, viewport); modules using
# these mark their tests ``pytest.mark.asyncio(loop_scope="module")``.


@pytest.fixture(scope="module")
def module_daphne_environment():
    """Extra variables for the module's daphne: a module overrides this fixture
    to run its server with other settings (a quicker catch-up...)."""
    return {}


@pytest.fixture(scope="module")
def module_daphne(django_db_setup, tmp_path_factory, module_daphne_environment):
    """A daphne on the test database for a whole module, with its own media
    folder, which ``media_root`` then gives each of the module's tests (so the
    server shows what a test saved). Its tests need
    ``django_db(transaction=True)``: the server sees only committed rows."""
    folder = tmp_path_factory.mktemp("daphne")
    media = folder / "media"
    server = Daphne(folder, MEDIA_ROOT=str(media), **module_daphne_environment)
    server.start()
    server.media_root = media
    yield server
    server.stop()
    print(server.log()[-3000:])  # shown by pytest only when a test failed


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def module_chromium():
    async with chromium() as browser:
        yield browser
    # The tests' sync_to_async ORM calls leave a connection open in asgiref's
    # worker thread; on PostgreSQL it would keep the test database from being
    # dropped.
    await sync_to_async(connections.close_all)()
