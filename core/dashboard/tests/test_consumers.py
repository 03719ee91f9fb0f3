"""The staff feed socket: who may stay, what they receive, when it closes."""

import asyncio
import json
from dataclasses import replace
from decimal import Decimal

import msgpack
import pytest
from asgiref.sync import sync_to_async
from django.db import transaction

from accounts.groups import permissions
from accounts.roles import WATCH_FEED
from accounts.tests.factories import (
    StaffWithoutPermissionsFactory,
    SuperuserFactory,
    UserFactory,
    WatcherFactory,
)
from dashboard import broadcast
from dashboard.streams import FEED, FEED_TOPIC
from live.protocol import CLOSE_NOT_ALLOWED, event_message
from products.history.recording import ChangeSet
from products.models import Product, ProductChange
from products.tests.factories import ProductFactory

from .conftest import session_cookie
from .html import oob_targets

pytestmark = pytest.mark.django_db(transaction=True)


async def closed_with(communicator):
    message = await communicator.receive_output(timeout=2)
    assert message["type"] == "websocket.close"
    return message.get("code")


async def save(product, **values):
    def write():
        for name, value in values.items():
            setattr(product, name, value)
        product.save()

    await sync_to_async(write)()


@pytest.fixture
def make_product():
    return sync_to_async(ProductFactory)


@pytest.mark.parametrize(
    "who",
    [None, "regular_user", "inactive_staff_user"],
    ids=["anonymous", "regular", "inactive-staff"],
)
async def test_non_staff_are_accepted_then_closed_with_4403(open_feed, who, request):
    user = None if who is None else await sync_to_async(request.getfixturevalue)(who)
    communicator, accepted = await open_feed(user)
    assert accepted
    assert await closed_with(communicator) == CLOSE_NOT_ALLOWED


@pytest.mark.parametrize(
    "make_user, admitted",
    [
        (StaffWithoutPermissionsFactory, False),
        (lambda: UserFactory(user_permissions=permissions([WATCH_FEED])), False),
        (WatcherFactory, True),
        (SuperuserFactory, True),
    ],
    ids=["staff-without-permission", "permission-without-staff", "watcher", "admin"],
)
async def test_the_socket_needs_staff_with_the_feed_permission(
    open_feed, make_user, admitted
):
    # has_perm queries: run on the event loop it would raise SynchronousOnly...
    communicator, _ = await open_feed(await sync_to_async(make_user)())
    if admitted:
        assert "counter-products" in await communicator.receive_from(timeout=3)
    else:
        assert await closed_with(communicator) == CLOSE_NOT_ALLOWED


async def test_a_foreign_origin_is_refused(open_feed, staff_user):
    communicator, accepted = await open_feed(staff_user, origin="http://evil.example")
    assert not accepted


async def test_staff_first_receive_the_current_state(
    open_feed, staff_user, make_product
):
    product = await make_product(name="Blue Mug", quantity=3)
    communicator, accepted = await open_feed(staff_user)
    assert accepted
    html = await communicator.receive_from(timeout=3)
    assert oob_targets(html) == {
        "feed-rows": "innerHTML",
        "feed-counters": "true",
        "stock-alerts": "true",
        "feed-more": "true",
        "feed-presence": "true",  # who is watching: this socket's user so far
    }
    assert f'id="change-{await latest_change_id()}"' in html
    assert product.name in html


async def latest_change_id():
    return await sync_to_async(lambda: ProductChange.objects.latest("pk").pk)()


async def test_a_change_is_pushed_as_oob_row_and_counters(
    open_feed, staff_user, make_product
):
    product = await make_product(name="Blue Mug", price=Decimal("9.99"), quantity=2)
    communicator, _ = await open_feed(staff_user)
    await communicator.receive_from(timeout=3)  # the current state

    await save(product, price=Decimal("12.50"))

    html = await communicator.receive_from(timeout=3)
    change_id = await latest_change_id()
    assert oob_targets(html) == {"feed-rows": "afterbegin"}
    assert f'<article class="change change-updated" id="change-{change_id}"' in html
    assert '<del class="old">$9.99</del>' in html
    assert '<ins class="new">$12.50</ins>' in html

    counters = await communicator.receive_from(timeout=3)
    assert oob_targets(counters) == {"feed-counters": "true"}
    assert 'id="counter-value">$25.00<' in counters


async def test_counters_follow_a_burst_once_or_twice_and_end_current(
    open_feed, staff_user, make_product
):
    product = await make_product(name="Blue Mug", price=Decimal("1.00"), quantity=1)
    communicator, _ = await open_feed(staff_user)
    await communicator.receive_from(timeout=3)

    for quantity in range(2, 12):
        await save(product, quantity=quantity)
    frames = []
    while sum(f.count('class="change change-') for f in frames) < 10 or (
        "feed-counters" not in frames[-1]
    ):
        frames.append(await communicator.receive_from(timeout=3))
    counters = [frame for frame in frames if "feed-counters" in frame]
    # The first change's, then one per second at most for the rest.
    assert 1 <= len(counters) <= 3
    assert 'id="counter-units">11<' in counters[-1]
    assert await communicator.receive_nothing(timeout=1.5)


async def test_pushed_names_are_escaped(open_feed, staff_user, make_product):
    communicator, _ = await open_feed(staff_user)
    await communicator.receive_from(timeout=3)
    await make_product(name="<script>alert(1)</script>")
    html = await communicator.receive_from(timeout=3)
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


async def test_rolled_back_and_no_op_saves_push_nothing(
    open_feed, staff_user, make_product
):
    product = await make_product(quantity=1)
    communicator, _ = await open_feed(staff_user)
    await communicator.receive_from(timeout=3)

    def roll_back():
        with transaction.atomic():
            product.quantity = 50
            product.save()
            transaction.set_rollback(True)

    await sync_to_async(roll_back)()
    await sync_to_async(lambda: Product.objects.get(pk=product.pk).save())()
    assert await communicator.receive_nothing(timeout=0.5)


async def test_a_reconnecting_socket_gets_missed_rows_once(
    open_feed, staff_user, make_product
):
    product = await make_product(quantity=1)
    first, _ = await open_feed(staff_user)
    await first.receive_from(timeout=3)
    await first.disconnect()

    await save(product, quantity=2)  # while nobody listens
    missed = await latest_change_id()

    second, _ = await open_feed(staff_user)
    state = await second.receive_from(timeout=3)
    assert f'id="change-{missed}"' in state
    # The same event arriving late through the group is not sent again.
    late_change = await sync_to_async(ProductChange.objects.get)(pk=missed)
    await sync_to_async(broadcast.broadcast_change)(
        sender=ChangeSet, change_set=ChangeSet([late_change])
    )
    late = await frames_within(second, 1.5)
    assert not any(f'id="change-{missed}"' in frame for frame in late)
    # A new event still arrives.
    await save(product, quantity=3)
    assert f'id="change-{missed + 1}"' in await second.receive_from(timeout=3)


async def frames_within(communicator, seconds):
    """Every frame that arrives within ``seconds``."""
    frames = []
    while not await communicator.receive_nothing(timeout=seconds):
        frames.append(await communicator.receive_from())
    return frames


async def test_a_change_is_rendered_once_for_many_sockets(
    open_feed, staff_user, make_product, monkeypatch
):
    renders = []

    def counting_render(change):
        renders.append(change.pk)
        return FEED.render(change)

    monkeypatch.setattr(broadcast, "FEED", replace(FEED, render=counting_render))
    sockets = [(await open_feed(staff_user))[0] for _ in range(3)]
    for socket in sockets:
        await socket.receive_from(timeout=3)

    await make_product(name="Shared")

    received = [await socket.receive_from(timeout=3) for socket in sockets]
    assert len(renders) == 1
    assert len(set(received)) == 1 and "Shared" in received[0]


async def test_the_pushed_message_survives_msgpack_and_json(make_product):
    await make_product(name="Blue Mug", price=Decimal("1.10"))
    change = await sync_to_async(ProductChange.objects.latest)("pk")
    html = await sync_to_async(FEED.render)(change)
    message = event_message(FEED_TOPIC, change.pk, html)
    assert msgpack.unpackb(msgpack.packb(message)) == message
    assert json.loads(json.dumps(message)) == message
    assert {type(value) for value in message.values()} <= {str, int}


async def test_logging_out_in_another_tab_closes_the_socket(open_feed, staff_user):
    cookie = await sync_to_async(session_cookie)(staff_user)
    communicator, _ = await open_feed(staff_user, cookie=cookie)
    await communicator.receive_from(timeout=3)

    def log_out_elsewhere():
        from django.test import Client

        client = Client()
        name, value = cookie.split("=", 1)
        client.cookies[name] = value
        assert client.post("/accounts/logout/").status_code == 302

    await sync_to_async(log_out_elsewhere)()
    assert await asyncio.wait_for(closed_with(communicator), 1) == CLOSE_NOT_ALLOWED


@pytest.mark.parametrize("change", [{"is_staff": False}, {"is_active": False}])
async def test_losing_staff_or_being_deactivated_closes_the_socket(
    open_feed, staff_user, change
):
    communicator, _ = await open_feed(staff_user)
    await communicator.receive_from(timeout=3)
    await save(staff_user, **change)
    assert await asyncio.wait_for(closed_with(communicator), 1) == CLOSE_NOT_ALLOWED


async def test_revoking_one_user_leaves_other_staff_connected(open_feed, staff_user):
    from accounts.tests.factories import StaffFactory

    colleague = await sync_to_async(StaffFactory)(username="colleague")
    mine, _ = await open_feed(staff_user)
    theirs, _ = await open_feed(colleague)
    await mine.receive_from(timeout=3)
    await theirs.receive_from(timeout=3)
    await save(colleague, is_staff=False)
    assert await closed_with(theirs) == CLOSE_NOT_ALLOWED
    # Still open: it only saw the colleague arrive among the watchers and leave.
    frames = await frames_within(mine, 0.5)
    assert frames and "colleague is watching" not in frames[-1]


@pytest.mark.redis(
    reason="redis-py's socket timeout against channels-redis's blocking pop; "
    "the in-memory layer has neither"
)
async def test_a_socket_idle_longer_than_the_redis_pop_timeout_still_receives(
    open_feed, staff_user, make_product
):
    """redis-py 8's default socket timeout is shorter than channels-redis's 5 s
    blocking pop; without socket_timeout=None an idle socket dies with 1011."""
    communicator, _ = await open_feed(staff_user)
    await communicator.receive_from(timeout=3)
    await asyncio.sleep(6)
    await make_product(name="After a quiet spell")
    assert "After a quiet spell" in await communicator.receive_from(timeout=3)


@pytest.fixture
def quick_catch_up(settings):
    settings.LIVE_CATCHUP_SECONDS = 0.2
    settings.FEED_CATCHUP_SETTLE_SECONDS = 0.2


@pytest.fixture
def pushes_lost():
    """Changes are recorded but never pushed, like a shell's next to a server
    on the in-memory layer, or a process stopped between commit and push."""
    from products.history.recording import changes_committed

    changes_committed.disconnect(dispatch_uid="dashboard.broadcast_change")
    yield
    changes_committed.connect(
        broadcast.broadcast_change, dispatch_uid="dashboard.broadcast_change"
    )


async def test_a_change_no_push_brought_still_reaches_open_sockets(
    quick_catch_up, open_feed, staff_user, make_product, pushes_lost
):
    communicator, _ = await open_feed(staff_user)
    await communicator.receive_from(timeout=3)
    await make_product(name="Made in a shell")
    html = await communicator.receive_from(timeout=3)
    if "feed-counters" not in html:  # found together, they may leave together
        html += await communicator.receive_from(timeout=3)
    assert "Made in a shell" in html
    # The counters were lost with the push: the catch-up sends them too.
    assert oob_targets(html) == {"feed-rows": "afterbegin", "feed-counters": "true"}
    assert 'id="counter-products">1<' in html
    assert await communicator.receive_nothing(timeout=0.6)


async def test_catching_up_never_doubles_a_pushed_event(
    quick_catch_up, open_feed, staff_user, make_product
):
    communicator, _ = await open_feed(staff_user)
    await communicator.receive_from(timeout=3)
    await make_product(name="Pushed")
    html = await communicator.receive_from(timeout=3)
    if "feed-counters" not in html:  # they may leave together
        html += await communicator.receive_from(timeout=3)
    assert "Pushed" in html and "feed-counters" in html
    assert await communicator.receive_nothing(timeout=0.8)
