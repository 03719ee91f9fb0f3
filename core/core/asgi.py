"""ASGI entry point: HTTP through Django, the live sockets (``core/routing.py``,
one per page) through Channels.

Without ``DJANGO_SETTINGS_MODULE`` this runs ``core.settings.local``: DEBUG off.
``make run`` selects ``core.settings.dev`` (DEBUG on) explicitly.
"""

import gc
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "core.settings.local")
# Django must be set up before anything imports models.
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from core import daphne_guard, graceful_shutdown  # noqa: E402
from core.autobahn_logging import skip_log_styling  # noqa: E402
from core.body_limit import BodyLimitMiddleware  # noqa: E402
from core.metrics import RequestMetrics  # noqa: E402
from core.origins import SiteOriginValidator  # noqa: E402
from core.request_threads import RequestThreads  # noqa: E402
from core.routing import websocket_urlpatterns as page_sockets  # noqa: E402
from live.metrics import CloseCodes  # noqa: E402
from live.middleware import ServerSendMiddleware  # noqa: E402
from live.shutdown import resync_elsewhere  # noqa: E402
from products.alerts.stock_count_checks import start as check_stock_counts  # noqa: E402

# Every frame sent allocates short-lived objects, and with many sockets open the
# collector's default thresholds (700, 10, 10) keep running collections that walk
# every connection's objects. Measured with make bench at 1000 sockets, those
# pauses were the feed's latency tail: p99 165 ms with the defaults, 38 ms with
# these. Memory use is barely affected; what is garbage is still collected.
gc.set_threshold(100_000, 50, 1_000)
# autobahn colours its per-frame debug-log arguments, logged or not: see the module.
skip_log_styling()

# Under daphne: refuse oversized bodies before daphne buffers them, and on
# SIGTERM finish the requests in flight, then exit.
daphne_guard.install()
graceful_shutdown.install()
# Live pages reconnect at once, to another process, when this one stops.
graceful_shutdown.server_stopping.connect(
    resync_elsewhere, dispatch_uid="live.resync_elsewhere"
)

# The stock counters are kept by the writes; verified now and then, off requests.
check_stock_counts()

application = ProtocolTypeRouter(
    {
        "http": RequestMetrics(BodyLimitMiddleware(RequestThreads(django_asgi_app))),
        "websocket": SiteOriginValidator(
            ServerSendMiddleware(
                CloseCodes(AuthMiddlewareStack(URLRouter(page_sockets)))
            )
        ),
    }
)
