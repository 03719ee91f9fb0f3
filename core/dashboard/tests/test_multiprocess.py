"""Correctness across processes: two real daphnes sharing the test database and Redis.

Twenty dashboards listen, half on each process, while eight editors post the edit
form over HTTP to both. Afterwards every dashboard must hold every event exactly
once, each product's events must chain (old = the previous new) in the database and
in what the dashboards received, the database must end at the last event's values,
and no response may be a 5xx. The second test stops one process mid-run: nothing
may be lost for the dashboards on the survivor, and the stopped process's
dashboards, reconnecting to the survivor, must end complete too.

Only channels-redis connects two processes, so without REDIS_URL the module skips.
"""

import asyncio
import html
import http.client
import random
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from http.cookies import SimpleCookie
from urllib.parse import urlencode

import pytest
from asgiref.sync import sync_to_async
from django.conf import settings
from django.test import Client
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, WebSocketException

from accounts.tests.factories import StaffFactory
from products.models import Product, ProductChange
from products.tests.factories import ProductFactory, product_form_data

from .live_server import Daphne

pytestmark = [
    pytest.mark.redis(
        reason="two daphne processes share the feed only through channels-redis "
        "(the in-memory layer lives in one process)"
    ),
    pytest.mark.socket,
    pytest.mark.django_db(transaction=True),
]

EDITORS = 8
EDITS_PER_EDITOR = 25
PRODUCTS = 10
DASHBOARDS = 20
SEED = 20240611
TRACKED = ("quantity", "price")

HTTP_TIMEOUT = 15  # s, one request
CONNECT_TIMEOUT = 10  # s, opening a socket and reading its current state
EDITING_TIMEOUT = 90  # s, all edits
COMPLETE_WITHIN = 10  # s, after the last edit, for every dashboard to be complete
SETTLE = 0.5  # s, kept listening after that, so that late doubles show up
MAX_RECONNECTS = 20

SNAPSHOT_MARK = 'id="feed-rows" hx-swap-oob="innerHTML"'
EVENT_MARK = 'id="feed-rows" hx-swap-oob="afterbegin"'
COUNTERS_MARK = '<dl id="feed-counters"'
PRESENCE_MARK = '<div id="feed-presence"'
UNITS = re.compile(r'id="counter-units">([\d,]+)<')
ROW_ID = re.compile(r'<article class="change[^"]*" id="change-(\d+)"')
ROW = re.compile(r'<article class="change[^"]*" id="change-(\d+)".*?</article>', re.S)
ROW_PRODUCT = re.compile(r'class="change-product" href="/products/([^/"]+)/"')
ROW_FIELD = re.compile(r'<li data-field="(\w+)">(.*?)</li>', re.S)
OLD = re.compile(r'<del class="old">(.*?)</del>', re.S)
NEW = re.compile(r'<ins class="new">(.*?)</ins>', re.S)
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
VERSION_INPUT = re.compile(r'name="version" value="(\d+)"')
MAX_RESUBMITS = 10


def shown(field_name, text):
    """A value as the feed shows it (``$1,234.50``), back to a comparable value."""
    text = html.unescape(text).strip()
    if field_name == "price":
        return Decimal(text.replace("$", "").replace(",", ""))
    if field_name == "quantity":
        return int(text.replace(",", ""))
    return text


def stored(field_name, text):
    """A value as a ProductChange stores it (a string), as a comparable value."""
    if field_name == "price":
        return Decimal(text)
    if field_name == "quantity":
        return int(text)
    return text


# Fixtures --------------------------------------------------------------------


@dataclass
class World:
    products: list  # Product rows, as created
    editor_cookies: list  # session ids
    watcher_cookies: list
    plans: list  # per editor: [(product index, quantity, price)]


def session_id(user):
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


@pytest.fixture
def world(transactional_db):
    products = [
        ProductFactory(name=f"Multi {n}", price=Decimal(f"{n + 1}.50"), quantity=n + 1)
        for n in range(PRODUCTS)
    ]
    editors = [StaffFactory(username=f"editor-{n}") for n in range(EDITORS)]
    watchers = [StaffFactory(username=f"watcher-{n}") for n in range(DASHBOARDS)]
    # Every edit writes values no other edit (nor the initial state) uses, so no
    # edit is a no-op and each event can be traced back to the request behind it.
    rng = random.Random(SEED)
    plans = []
    for editor in range(EDITORS):
        plan = []
        for n in range(EDITS_PER_EDITOR):
            k = editor * EDITS_PER_EDITOR + n
            plan.append((rng.randrange(PRODUCTS), 1000 + k, f"{100 + k}.{k % 100:02d}"))
        plans.append(plan)
    return World(
        products=products,
        editor_cookies=[session_id(user) for user in editors],
        watcher_cookies=[session_id(user) for user in watchers],
        plans=plans,
    )


@pytest.fixture
def daphnes(tmp_path, world):
    """Two daphne processes on two loopback ports, one database, one Redis."""
    first = Daphne(tmp_path)
    second = Daphne(tmp_path)
    while second.port == first.port:
        second = Daphne(tmp_path)
    servers = [first, second]
    try:
        for server in servers:
            server.start()
        yield servers
    finally:
        for server in servers:
            server.stop()


def logs(servers):
    return "\n".join(
        f"--- daphne :{server.port} (last lines) ---\n{server.log()[-2500:]}"
        for server in servers
    )


# Editors: the edit form over HTTP, in threads ---------------------------------


@dataclass
class Response:
    port: int
    method: str
    path: str
    status: int
    at: float


@dataclass
class Post:
    """One edit that was answered: which process, which values, when."""

    editor: int
    port: int
    slug: str
    quantity: int
    price: str
    status: int
    sent: float
    answered: float


def http_request(port, method, path, cookies, form=None):
    """(status, {cookie: value} set by the response, body); raises on I/O errors."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=HTTP_TIMEOUT)
    try:
        headers = {
            "Cookie": "; ".join(f"{name}={value}" for name, value in cookies.items())
        }
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        content = response.read().decode("utf-8", "replace")
        set_cookies = {}
        for header in response.msg.get_all("Set-Cookie") or []:
            jar = SimpleCookie()
            jar.load(header)
            set_cookies.update({name: morsel.value for name, morsel in jar.items()})
        return response.status, set_cookies, content
    finally:
        connection.close()


class Editors:
    """Staff posting the edit form, each editor in its own thread.

    An edit alternates between the processes; when one does not answer (refused,
    reset, no response) it is marked down and the edit is sent to the other.
    """

    def __init__(self, servers, world, started):
        self.ports = [server.port for server in servers]
        self.world = world
        self.started = started
        self.down = set()
        self.responses = []  # every HTTP answer
        self.errors = []  # (port, method, slug, quantity, error, at): no answer
        self.posts = []  # answered POSTs
        self.failed = []  # edits that never got their 302
        self.completed = 0
        self.lock = threading.Lock()
        self.abort = threading.Event()

    def now(self):
        return time.monotonic() - self.started

    def ports_for(self, preferred):
        alive = [port for port in self.ports if port not in self.down]
        ordered = sorted(alive, key=lambda port: port != preferred)
        return ordered + [port for port in self.ports if port in self.down]

    def run(self, editor):
        jar = {settings.SESSION_COOKIE_NAME: self.world.editor_cookies[editor]}
        for n, (index, quantity, price) in enumerate(self.world.plans[editor]):
            if self.abort.is_set():
                return
            product = self.world.products[index]
            form = product_form_data(product, quantity=str(quantity), price=price)
            preferred = self.ports[(editor + n) % len(self.ports)]
            if not self.edit(editor, jar, product.slug, form, preferred):
                self.failed.append((editor, n, product.slug, quantity))
            with self.lock:
                self.completed += 1

    def edit(self, editor, jar, slug, form, preferred):
        path = f"/products/{slug}/edit/"
        for port in self.ports_for(preferred) * 2:
            if self.abort.is_set():
                return False
            method = "GET"
            try:
                status, cookies, body = http_request(port, "GET", path, jar)
                self.responses.append(Response(port, "GET", path, status, self.now()))
                if status != 200:
                    return False
                jar.update(cookies)
                token = CSRF_INPUT.search(body)
                if token is None:
                    return False  # no form: reported as an edit that never succeeded
                method = "POST"
                # Another editor may save the product between this form's GET
                # and its POST: the edit is then refused (409) with the current
                # version, and sent again with it, as staff would.
                for _ in range(MAX_RESUBMITS):
                    version = VERSION_INPUT.search(body)
                    sent = self.now()
                    status, _, body = http_request(
                        port,
                        "POST",
                        path,
                        jar,
                        {
                            **form,
                            "csrfmiddlewaretoken": token.group(1),
                            "version": version.group(1) if version else "",
                        },
                    )
                    answered = self.now()
                    self.record_post(editor, port, slug, form, status, sent, answered)
                    if status != 409:
                        break
            except (OSError, http.client.HTTPException) as error:
                self.errors.append(
                    (port, method, slug, form["quantity"], repr(error), self.now())
                )
                self.down.add(port)
                continue
            return status == 302
        return False

    def record_post(self, editor, port, slug, form, status, sent, answered):
        path = f"/products/{slug}/edit/"
        self.responses.append(Response(port, "POST", path, status, answered))
        self.posts.append(
            Post(
                editor,
                port,
                slug,
                int(form["quantity"]),
                form["price"],
                status,
                sent,
                answered,
            )
        )


# Dashboards: websocket clients in the event loop ------------------------------


@dataclass
class Frame:
    at: float
    connection: int
    port: int
    kind: str  # "snapshot", "event" or "other"
    ids: list


@dataclass
class Dashboard:
    number: int
    cookie: str
    port: int  # where it connects first
    started: float
    frames: list = field(default_factory=list)
    rows: dict = field(default_factory=dict)  # event id -> row html (any frame)
    have: set = field(default_factory=set)  # ids received, snapshots and live
    live: list = field(default_factory=list)  # ids of live frames, in order
    duplicates: list = field(default_factory=list)  # (id, connection, port, at)
    connections: list = field(default_factory=list)  # [port, opened, closed, code]
    problems: list = field(default_factory=list)
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    socket: object = None
    units: int = None  # units in stock, as the latest counters showed

    def now(self):
        return time.monotonic() - self.started

    @property
    def reconnected(self):
        return len(self.connections) > 1

    async def run(self, ports, stopping):
        """Listen; when the socket closes, reconnect at once to the next process."""
        port = self.port
        failures = 0
        while not stopping.is_set():
            try:
                await self.listen(port)
            except (OSError, asyncio.TimeoutError, WebSocketException) as error:
                failures += 1
                self.problems.append(
                    f"t={self.now():.2f}s could not connect to :{port}: {error!r}"
                )
                if failures > MAX_RECONNECTS:
                    return
                await asyncio.sleep(0.05)
            if stopping.is_set():
                return
            port = ports[(ports.index(port) + 1) % len(ports)]

    async def listen(self, port):
        headers = {
            "Origin": f"http://127.0.0.1:{port}",
            "Cookie": f"{settings.SESSION_COOKIE_NAME}={self.cookie}",
        }
        async with connect(
            f"ws://127.0.0.1:{port}/ws/products/",
            additional_headers=headers,
            open_timeout=CONNECT_TIMEOUT,
            close_timeout=2,
            max_size=None,
        ) as socket:
            self.socket = socket
            number = len(self.connections)
            record = [port, self.now(), None, None]
            self.connections.append(record)
            try:
                first = await asyncio.wait_for(socket.recv(), CONNECT_TIMEOUT)
                self.receive(number, port, first)
                async for message in socket:
                    self.receive(number, port, message)
            except ConnectionClosed:
                pass
            finally:
                self.socket = None
                record[2:] = [self.now(), socket.close_code]

    def receive(self, connection, port, message):
        ids = [int(found) for found in ROW_ID.findall(message)]
        first = not any(frame.connection == connection for frame in self.frames)
        if SNAPSHOT_MARK in message:
            kind = "snapshot"
        elif EVENT_MARK in message and ids:
            kind = "event"  # one or more, joined when the socket was behind
        elif message.startswith(COUNTERS_MARK) and not ids:
            kind = "counters"
        elif message.startswith(PRESENCE_MARK) and not ids:
            kind = "presence"  # who is watching the feed changed
        else:
            kind = "other"
            self.problems.append(f"unexpected message on :{port}: {message[:300]!r}")
        if first and kind != "snapshot":
            self.problems.append(
                f"connection {connection} on :{port} began with {kind}, not the state"
            )
        if kind == "snapshot" and not first:
            self.problems.append(f"a second current state on connection {connection}")
        for match in ROW.finditer(message):
            self.rows[int(match.group(1))] = match.group(0)
        for units in UNITS.findall(message):
            self.units = int(units.replace(",", ""))
        if kind == "event":
            for event_id in ids:
                if event_id in self.have:
                    self.duplicates.append((event_id, connection, port, self.now()))
                self.live.append(event_id)
        self.have.update(ids)
        self.frames.append(Frame(self.now(), connection, port, kind, ids))
        if kind == "snapshot":
            self.ready.set()


# The run ----------------------------------------------------------------------


@dataclass
class Outcome:
    dashboards: list
    editors: Editors
    first_event: int  # every ProductChange from this pk on belongs to the run
    wall_started: float  # time.time() at t=0
    stopped_port: int = None
    stop_began: float = None
    stop_ended: float = None
    stop_returncode: int = None


def total_units():
    return sum(Product.objects.values_list("quantity", flat=True))


def latest_change_pk():
    latest = ProductChange.objects.order_by("-pk").first()
    return latest.pk if latest else 0


async def exercise(servers, world, stop_midway=False):
    """Dashboards listen on both processes while the editors run; with
    ``stop_midway`` the second process is stopped once half the edits are done."""
    loop = asyncio.get_running_loop()
    started = time.monotonic()
    wall_started = time.time()
    ports = [server.port for server in servers]
    dashboards = [
        Dashboard(n, cookie, ports[n % len(ports)], started)
        for n, cookie in enumerate(world.watcher_cookies)
    ]
    editors = Editors(servers, world, started)
    stopping = asyncio.Event()
    listeners = [asyncio.create_task(d.run(ports, stopping)) for d in dashboards]
    executor = ThreadPoolExecutor(max_workers=EDITORS, thread_name_prefix="editor")
    outcome = None
    try:
        try:
            await asyncio.wait_for(
                asyncio.gather(*(dashboard.ready.wait() for dashboard in dashboards)),
                CONNECT_TIMEOUT + 5,
            )
        except asyncio.TimeoutError:
            waiting = [d for d in dashboards if not d.ready.is_set()]
            pytest.fail(
                f"{len(waiting)} dashboards never received the current state:\n"
                + "\n".join(
                    f"dashboard {d.number} on :{d.port}: {d.problems[-3:]}"
                    for d in waiting
                )
                + "\n"
                + logs(servers),
                pytrace=False,
            )
        outcome = Outcome(
            dashboards,
            editors,
            await sync_to_async(latest_change_pk)() + 1,
            wall_started,
        )
        editing = asyncio.gather(
            *(loop.run_in_executor(executor, editors.run, n) for n in range(EDITORS))
        )
        if stop_midway:
            half = EDITORS * EDITS_PER_EDITOR // 2
            deadline = loop.time() + EDITING_TIMEOUT
            while editors.completed < half and not editing.done():
                assert loop.time() < deadline, "the editors made no progress"
                await asyncio.sleep(0.01)
            victim = servers[1]
            outcome.stopped_port = victim.port
            outcome.stop_began = time.monotonic() - started
            await loop.run_in_executor(None, lambda: victim.stop(grace=3))
            outcome.stop_ended = time.monotonic() - started
            outcome.stop_returncode = victim.process.returncode
        await asyncio.wait_for(editing, EDITING_TIMEOUT)

        expected = set(
            await sync_to_async(
                lambda: list(
                    ProductChange.objects.filter(
                        pk__gte=outcome.first_event
                    ).values_list("pk", flat=True)
                )
            )()
        )
        deadline = loop.time() + COMPLETE_WITHIN
        while loop.time() < deadline and not all(
            expected <= dashboard.have for dashboard in dashboards
        ):
            await asyncio.sleep(0.05)
        # Counters are coalesced: the last ones follow the last event within
        # FEED_COUNTERS_SECONDS.
        units = await sync_to_async(total_units)()
        deadline = loop.time() + settings.FEED_COUNTERS_SECONDS + 3
        while loop.time() < deadline and any(d.units != units for d in dashboards):
            await asyncio.sleep(0.05)
        await asyncio.sleep(SETTLE)
        return outcome
    finally:
        editors.abort.set()
        stopping.set()
        for dashboard in dashboards:
            if dashboard.socket is not None:
                try:
                    await asyncio.wait_for(dashboard.socket.close(), 5)
                except Exception:  # closing is best effort; it must not hang
                    pass
        done, pending = await asyncio.wait(listeners, timeout=5)
        for task in pending:
            task.cancel()
        await asyncio.gather(*listeners, return_exceptions=True)
        await loop.run_in_executor(
            None, lambda: executor.shutdown(wait=True, cancel_futures=True)
        )


# Checks -----------------------------------------------------------------------


def run_events(outcome):
    """The run's ProductChange rows, by pk, and the products as they are now."""
    changes = {
        change.pk: change
        for change in ProductChange.objects.filter(pk__gte=outcome.first_event)
    }
    products = {product.slug: product for product in Product.objects.all()}
    creations = {
        change.product_slug: change
        for change in ProductChange.objects.filter(action=ProductChange.Action.CREATED)
    }
    return changes, products, creations


def describe(change, outcome):
    """The event, when it was recorded, and the requests that carried its values:
    which process, what answer, when (t = seconds since the dashboards connected)."""
    values = {item["field"]: item for item in change.changes}
    quantity = values.get("quantity", {}).get("new")
    recorded = change.created_at.timestamp() - outcome.wall_started
    text = (
        f"#{change.pk} {change.product_slug} "
        + ", ".join(
            f"{name} {item['old']}->{item['new']}" for name, item in values.items()
        )
        + f", recorded t={recorded:.2f}s"
    )
    editors = outcome.editors

    def where(port):
        return f":{port}" + (" (stopped)" if port == outcome.stopped_port else "")

    attempts = [
        (at, f"POST to {where(port)} got no answer t={at:.2f}s ({error})")
        for port, method, slug, sent, error, at in editors.errors
        if method == "POST" and slug == change.product_slug and sent == quantity
    ] + [
        (
            post.sent,
            f"POST by editor {post.editor} to {where(post.port)} sent "
            f"t={post.sent:.2f}s answered {post.status} t={post.answered:.2f}s",
        )
        for post in editors.posts
        if post.slug == change.product_slug and str(post.quantity) == quantity
    ]
    return "; ".join([text] + [line for _, line in sorted(attempts)])


def check_database(changes, products, creations, world):
    """Per product, in pk order, each old equals the previous new, and the
    database ends at the last event's new values."""
    problems = []
    for original in world.products:
        state = {
            item["field"]: stored(item["field"], item["new"])
            for item in creations[original.slug].changes
            if item["field"] in TRACKED
        }
        for pk in sorted(changes):
            change = changes[pk]
            if change.product_slug != original.slug:
                continue
            if change.action != ProductChange.Action.UPDATED:
                problems.append(f"#{pk} is a {change.action}, not an update")
            for item in change.changes:
                name = item["field"]
                if name not in TRACKED:
                    problems.append(f"#{pk} changed {name}, which nobody edited")
                    continue
                if stored(name, item["old"]) != state.get(name):
                    problems.append(
                        f"chain broken at #{pk} ({original.slug}): old {name} "
                        f"{item['old']}, previous new {state.get(name)}"
                    )
                state[name] = stored(name, item["new"])
        product = products[original.slug]
        final = {"quantity": product.quantity, "price": product.price}
        if final != state:
            problems.append(
                f"{original.slug}: database holds {final}, last event says {state}"
            )
    return problems


def check_rows(dashboard, expected, changes, products, creations):
    """The chain again, from the rows this dashboard received (shown values)."""
    problems = []
    by_product = {}
    for pk in sorted(expected & set(dashboard.rows)):
        row = dashboard.rows[pk]
        link = ROW_PRODUCT.search(row)
        if not link:
            problems.append(f"row #{pk} names no product link")
            continue
        fields = {}
        for name, item in ROW_FIELD.findall(row):
            old, new = OLD.search(item), NEW.search(item)
            if old and new:
                fields[name] = (shown(name, old.group(1)), shown(name, new.group(1)))
        if set(fields) != {
            item["field"] for item in changes[pk].changes if item["field"] in TRACKED
        }:
            problems.append(f"row #{pk} shows fields {sorted(fields)}")
        by_product.setdefault(link.group(1), []).append((pk, fields))
    for slug, events in by_product.items():
        state = {
            item["field"]: stored(item["field"], item["new"])
            for item in creations[slug].changes
            if item["field"] in TRACKED
        }
        for pk, fields in events:
            for name, (old, new) in fields.items():
                if old != state.get(name):
                    problems.append(
                        f"shown chain broken at #{pk} ({slug}): old {name} {old}, "
                        f"previous new {state.get(name)}"
                    )
                state[name] = new
        product = products[slug]
        final = {"quantity": product.quantity, "price": product.price}
        if final != state:
            problems.append(f"{slug}: database {final}, last row shown says {state}")
    return problems


def check_dashboards(outcome, expected, changes, products, creations):
    problems = []
    missed_by = {}  # event id -> dashboards that never got it
    for dashboard in outcome.dashboards:
        name = f"dashboard {dashboard.number} (first on :{dashboard.port})"
        missing = expected - dashboard.have
        for pk in missing:
            missed_by.setdefault(pk, []).append(dashboard)
        unknown = set(dashboard.live) - expected
        if unknown:
            problems.append(f"{name} got live events from outside the run: {unknown}")
        for pk, connection, port, at in dashboard.duplicates:
            problems.append(
                f"{name} got #{pk} twice: again live on connection {connection} "
                f"(:{port}) at t={at:.2f}s"
            )
        problems += [f"{name}: {problem}" for problem in dashboard.problems]
        units = sum(product.quantity for product in products.values())
        if dashboard.units != units:
            problems.append(
                f"{name}: counters show {dashboard.units} units, not {units}"
            )
        if not missing:  # a gap breaks the shown chain anyway: reported above
            problems += [
                f"{name}: {problem}"
                for problem in check_rows(
                    dashboard, expected, changes, products, creations
                )
            ]
    lost = []
    for pk in sorted(missed_by):
        losers = missed_by[pk]
        steady = [d.number for d in losers if not d.reconnected]
        moved = [d.number for d in losers if d.reconnected]
        lost.append(
            f"{describe(changes[pk], outcome)}: never reached {len(losers)} of "
            f"{len(outcome.dashboards)} dashboards (connected throughout: {steady}; "
            f"reconnected: {moved})"
        )
    return lost + problems


def check_http(outcome, expected_errors=lambda port, at: False):
    editors = outcome.editors
    problems = [
        f"{response.method} {response.path} on :{response.port} answered "
        f"{response.status} at t={response.at:.2f}s"
        for response in editors.responses
        if response.status >= 500
    ]
    problems += [
        f"{method} on :{port} got no answer at t={at:.2f}s: {error}"
        for port, method, _, _, error, at in editors.errors
        if not expected_errors(port, at)
    ]
    problems += [
        f"editor {editor}'s edit {n} ({slug}, quantity {quantity}) never succeeded"
        for editor, n, slug, quantity in editors.failed
    ]
    answered = [post for post in editors.posts if post.status == 302]
    if len(answered) < EDITORS * EDITS_PER_EDITOR:
        problems.append(f"only {len(answered)} edits succeeded")
    return problems


def report(problems, outcome, servers):
    if not problems:
        return
    lines = [f"{len(problems)} problems:", *problems[:80]]
    if len(problems) > 80:
        lines.append(f"... and {len(problems) - 80} more")
    if outcome.stopped_port:
        lines.append(
            f"process :{outcome.stopped_port} was sent SIGTERM at "
            f"t={outcome.stop_began:.2f}s and exited ({outcome.stop_returncode}) "
            f"at t={outcome.stop_ended:.2f}s"
        )
    for dashboard in outcome.dashboards:
        if dashboard.reconnected or dashboard.problems or dashboard.duplicates:
            lines.append(
                f"dashboard {dashboard.number}: connections [port, opened, closed, "
                f"close code] {dashboard.connections}"
            )
    pytest.fail("\n".join(lines) + "\n" + logs(servers), pytrace=False)


def print_summary(title, outcome, changes):
    editors = outcome.editors
    by_port = {}
    for post in editors.posts:
        by_port[post.port] = by_port.get(post.port, 0) + 1
    reconnected = sum(dashboard.reconnected for dashboard in outcome.dashboards)
    last_answer = max((post.answered for post in editors.posts), default=0)
    print(
        f"\n{title}: {len(changes)} events, POSTs answered by process {by_port}, "
        f"last answer t={last_answer:.2f}s, {len(editors.errors)} requests "
        f"without answer, {reconnected} dashboards reconnected"
    )
    recorded = {
        pk: change.created_at.timestamp() - outcome.wall_started
        for pk, change in changes.items()
    }
    delays = sorted(
        (frame.at - recorded[frame.ids[0]], frame.ids[0])
        for dashboard in outcome.dashboards
        for frame in dashboard.frames
        if frame.kind == "event" and frame.ids[0] in recorded
    )
    if delays:
        slowest, slowest_pk = delays[-1]
        print(
            f"push delay (recorded -> on a dashboard): median "
            f"{delays[len(delays) // 2][0] * 1000:.0f} ms, slowest "
            f"{slowest * 1000:.0f} ms (#{slowest_pk})"
        )
    if outcome.stopped_port:
        print(
            f"SIGTERM to :{outcome.stopped_port} at t={outcome.stop_began:.2f}s; "
            f"it exited ({outcome.stop_returncode}) at t={outcome.stop_ended:.2f}s"
        )


# Tests ------------------------------------------------------------------------


async def test_two_processes_deliver_every_edit_to_every_dashboard_once(daphnes, world):
    outcome = await exercise(daphnes, world)
    changes, products, creations = await sync_to_async(run_events)(outcome)
    expected = set(changes)
    print_summary("two processes", outcome, changes)

    problems = check_http(outcome)
    problems += check_database(changes, products, creations, world)
    problems += check_dashboards(outcome, expected, changes, products, creations)
    for dashboard in outcome.dashboards:
        if dashboard.reconnected:
            problems.append(
                f"dashboard {dashboard.number}'s socket closed mid-run: "
                f"{dashboard.connections}"
            )
        elif sorted(dashboard.live) != sorted(expected) and expected <= dashboard.have:
            problems.append(
                f"dashboard {dashboard.number}: the live frames are not exactly "
                "the run's events"
            )
    if {post.port for post in outcome.editors.posts} != {s.port for s in daphnes}:
        problems.append("the edits did not reach both processes")
    report(problems, outcome, daphnes)


async def test_stopping_one_process_mid_run_loses_nothing(daphnes, world):
    outcome = await exercise(daphnes, world, stop_midway=True)
    changes, products, creations = await sync_to_async(run_events)(outcome)
    expected = set(changes)
    print_summary("one process stopped mid-run", outcome, changes)
    survivor = daphnes[0].port

    def stopped_process_went_away(port, at):
        return port == outcome.stopped_port and at >= outcome.stop_began

    problems = check_http(outcome, expected_errors=stopped_process_went_away)
    problems += check_database(changes, products, creations, world)
    problems += check_dashboards(outcome, expected, changes, products, creations)
    for dashboard in outcome.dashboards:
        if dashboard.port == survivor:
            # Never disconnected: everything must have come live, nothing twice.
            if dashboard.reconnected:
                problems.append(
                    f"dashboard {dashboard.number} on the survivor was "
                    f"disconnected: {dashboard.connections}"
                )
            elif sorted(dashboard.live) != sorted(expected) and (
                expected <= dashboard.have
            ):
                problems.append(
                    f"dashboard {dashboard.number} on the survivor: the live "
                    "frames are not exactly the run's events"
                )
        elif not dashboard.reconnected or dashboard.connections[-1][0] != survivor:
            problems.append(
                f"dashboard {dashboard.number} on the stopped process did not "
                f"end on the survivor: {dashboard.connections}"
            )
    report(problems, outcome, daphnes)
