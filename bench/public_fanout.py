"""Public fan-out: the live catalog's anonymous sockets (``ws/catalog/``) at the
largest N, measured like the staff feed (``fanout.measure``) and against the same
bare ``websockets.broadcast`` server, in the same run.

Each socket follows every product the bench saves (``?p=...``), as a catalog page
follows the products it shows, without a session. The saves change prices, so
every event reaches every socket; a pushed price carries the change it comes
from (``data-as-of``), which the socket client counts as the event's id.
"""

from urllib.parse import urlencode

from . import fanout, fixtures


def catalog_url(daphne, product_ids):
    query = urlencode([("p", pk) for pk in product_ids])
    return f"ws://127.0.0.1:{daphne.port}/ws/catalog/?{query}"


def measure(config, work_dir, cleanup, daphne, products, threads, watch, source_pid):
    prefix, suffix = fixtures.event_fragment_parts(products[-1])
    raw = fanout.RawServer(prefix, suffix, work_dir)
    cleanup.callback(raw.stop)
    try:
        return measure_both(
            config, work_dir, raw, daphne, products, threads, watch, source_pid
        )
    finally:
        raw.stop()


def measure_both(config, work_dir, raw, daphne, products, threads, watch, source_pid):
    count = max(config.sizes)
    product_ids = [product.pk for product in products]
    public = fanout.FanoutTarget(
        "public",
        catalog_url(daphne, product_ids),
        fanout.SaveSource(product_ids, threads),
        daphne.pid,
        "daphne",
        source_pid=source_pid,
        origin=f"http://127.0.0.1:{daphne.port}",
    )
    bare = fanout.FanoutTarget("raw", raw.url, raw, raw.pid, "raw server")
    return {
        "sockets": count,
        "public": fanout.measure(public, count, config, work_dir, watch),
        "raw": fanout.measure(bare, count, config, work_dir, watch),
    }
