"""``make bench``: delivery, write path and catalog figures, on loopback.

Starts what it needs (a throwaway database, Redis if none answers, daphne, a bare
websockets server, socket client processes), prints a table and writes the same
figures to ``bench/results/<UTC timestamp>.json`` and ``bench/results/latest.json``.
Everything it started is stopped and removed at the end, also on errors and
Ctrl-C. It exits 0 whether or not the goals are met, 1 if something broke.

    .venv/bin/python bench/run.py [--quick] [--sizes 1,100,1000] [--seconds 5]
        [--phases fanout,public,public-cluster,storm,overload,write,catalog,import]
        [--cluster-processes 2] [--cluster-sockets 10000] [--profile]
        [--compare-click]
"""

import argparse
import json
import os
import platform
import shutil
import signal
import sys
import tempfile
import time
import traceback
from contextlib import ExitStack
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

# Run as a script: make the bench package and the Django project importable.
REPO_DIR = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO_DIR), str(REPO_DIR / "core")]

from bench import (  # noqa: E402
    catalog,
    database,
    fanout,
    fixtures,
    imports,
    large_catalog,
    overload,
    public_cluster,
    public_fanout,
    report,
    storm,
    write_path,
)
from bench.services import (  # noqa: E402
    BenchError,
    find_or_start_redis,
    forget_redis_keys,
    log_tail,
    machine_busy_seconds,
    problem_lines,
    raise_nofile_limit,
    redis_server_info,
    start_daphne,
)

RESULTS_DIR = REPO_DIR / "bench" / "results"
# Always run in this order, whatever order they are named in: the overload phase
# leaves the feed's latest rows full of long texts, which the later phases (no
# sockets) do not mind.
PHASES = (
    "fanout",
    "public",
    "public-cluster",
    "storm",
    "overload",
    "write",
    "catalog",
    "import",
    "large",
)


@dataclass
class Config:
    sizes: tuple
    seconds: float  # each fan-out phase, and each catalog URL under load
    rate: float  # steady phase, events per second, the same for every N
    write_saves: int  # per way of writing, in the write-path comparison
    phases: tuple = PHASES
    storm_sockets: int = 500
    # Catalog sizes of the large phase; --quick measures the first only.
    large_sizes: tuple = large_catalog.SIZES
    profile: bool = False  # py-spy on daphne in the max phase at the largest N
    compare_click: bool = False  # the largest N again, on a daphne without click
    database_name: str = database.BENCH_DATABASE
    http_threads: int = 8
    # The public-cluster phase: sockets over this many daphne processes behind
    # nginx, against the single daphne, one price change at a time.
    cluster_processes: int = public_cluster.PROCESSES
    cluster_sockets: int = public_cluster.SOCKETS
    cluster_changes: int = public_cluster.CHANGES


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description="Benchmark the live feed's delivery, the write path and the "
        "catalog on loopback."
    )
    parser.add_argument(
        "--quick", action="store_true", help="N=1,100 and shorter phases"
    )
    parser.add_argument("--sizes", help="socket counts, e.g. 1,100,1000")
    parser.add_argument("--seconds", type=float, help="length of each phase")
    parser.add_argument("--rate", type=float, default=20, help="steady events/s")
    parser.add_argument(
        "--phases",
        default=",".join(PHASES),
        help=f"which phases to run (default: all of {','.join(PHASES)})",
    )
    parser.add_argument(
        "--storm-sockets", type=int, default=500, help="sockets in the storm phase"
    )
    parser.add_argument(
        "--write-saves",
        type=int,
        help="saves per way of writing in the write phase (default 2000)",
    )
    parser.add_argument(
        "--large-sizes",
        help="catalog sizes of the large phase (default "
        f"{','.join(str(n) for n in large_catalog.SIZES)}; --quick: the first)",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="sample daphne with py-spy during the max phase at the largest N",
    )
    parser.add_argument(
        "--compare-click",
        action="store_true",
        help="run the largest N again on a daphne where click cannot be imported",
    )
    parser.add_argument(
        "--database-name",
        default=database.BENCH_DATABASE,
        help="the throwaway PostgreSQL database (dropped and created; default "
        f"{database.BENCH_DATABASE})",
    )
    parser.add_argument(
        "--cluster-processes",
        type=int,
        default=public_cluster.PROCESSES,
        help="daphne processes behind nginx in the public-cluster phase "
        f"(default {public_cluster.PROCESSES})",
    )
    parser.add_argument(
        "--cluster-sockets",
        type=int,
        help="public sockets in the public-cluster phase (default "
        f"{public_cluster.SOCKETS:,}; --quick: 1,000)",
    )
    parser.add_argument(
        "--cluster-changes",
        type=int,
        help="price changes, one at a time, in the public-cluster phase (default "
        f"{public_cluster.CHANGES}; --quick: 10)",
    )
    args = parser.parse_args(argv)
    phases = tuple(name.strip() for name in args.phases.split(",") if name.strip())
    unknown = set(phases) - set(PHASES)
    if unknown or not phases:
        parser.error(f"--phases: some of {','.join(PHASES)}")
    if not 1 <= args.storm_sockets <= 5000:
        parser.error("--storm-sockets: between 1 and 5000")
    sizes: tuple[int, ...] = (1, 100) if args.quick else (1, 100, 1000)
    if args.sizes:
        sizes = tuple(int(size) for size in args.sizes.split(",") if size.strip())
    if not sizes or min(sizes) < 1 or max(sizes) > 5000:
        parser.error("--sizes: between 1 and 5000 sockets")
    seconds = args.seconds or (2.5 if args.quick else 5.0)
    if not 0.5 <= seconds <= 30:
        parser.error("--seconds: between 0.5 and 30")
    if not 0.1 <= args.rate <= 500:
        parser.error("--rate: between 0.1 and 500 events/s")
    write_saves = args.write_saves or (300 if args.quick else 2000)
    if not 10 <= write_saves <= 100_000:
        parser.error("--write-saves: between 10 and 100000")
    large_sizes: tuple[int, ...] = (
        large_catalog.SIZES[:1] if args.quick else large_catalog.SIZES
    )
    if args.large_sizes:
        large_sizes = tuple(
            sorted(int(size) for size in args.large_sizes.split(",") if size.strip())
        )
    if not large_sizes or min(large_sizes) < 1 or max(large_sizes) > 5_000_000:
        parser.error("--large-sizes: between 1 and 5000000 products")
    if not 1 <= args.cluster_processes <= 16:
        parser.error("--cluster-processes: between 1 and 16")
    cluster_sockets = args.cluster_sockets or (
        1000 if args.quick else public_cluster.SOCKETS
    )
    if not 1 <= cluster_sockets <= 50_000:
        parser.error("--cluster-sockets: between 1 and 50000")
    cluster_changes = args.cluster_changes or (
        10 if args.quick else public_cluster.CHANGES
    )
    if not 1 <= cluster_changes <= 600:
        parser.error("--cluster-changes: between 1 and 600")
    return Config(
        sizes=sizes,
        seconds=seconds,
        rate=args.rate,
        write_saves=write_saves,
        phases=tuple(name for name in PHASES if name in phases),
        storm_sockets=args.storm_sockets,
        profile=args.profile,
        compare_click=args.compare_click,
        database_name=args.database_name,
        large_sizes=large_sizes,
        cluster_processes=args.cluster_processes,
        cluster_sockets=cluster_sockets,
        cluster_changes=cluster_changes,
    )


def progress(message):
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def machine():
    # Whatever else runs now competes for the same cores during the whole run.
    before = machine_busy_seconds()
    time.sleep(1)
    return {
        "cores": os.cpu_count(),
        "system": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "busy_before_start": round(machine_busy_seconds() - before, 2),
    }


def bench(config, work_dir, cleanup, results, started):
    """Everything the bench measures, in order; ``results`` fills as it goes and
    ``started`` gets the servers (to read their logs)."""
    redis_url, redis_origin = find_or_start_redis(os.environ, work_dir, cleanup)
    # Unique per run: nothing else on this Redis shares the bench's groups.
    prefix = f"bench-{os.getpid()}-{int(time.time())}"
    # Registered before daphne starts, so it runs after daphne has stopped.
    cleanup.callback(forget_redis_keys, redis_url, prefix)
    environment = {
        **database.prepare(os.environ, work_dir, cleanup, config.database_name),
        "DJANGO_SETTINGS_MODULE": "core.settings.bench",
        "REDIS_URL": redis_url,
        "BENCH_CHANNEL_PREFIX": prefix,
        # Every bench socket comes from 127.0.0.1, and all are anonymous.
        "CATALOG_SOCKETS_PER_ADDRESS": "100000",
        "LIVE_ANONYMOUS_SOCKETS_PER_PROCESS": "100000",
        "MEDIA_ROOT": str(Path(work_dir) / "media"),
        # daphne runs the bench settings too, which install bench/comparison.
        "PYTHONPATH": os.pathsep.join(
            filter(None, [str(REPO_DIR), os.environ.get("PYTHONPATH")])
        ),
    }
    database.setup_django(environment)
    cleanup.callback(database.close_connections)
    on_postgres = bool(environment["DATABASE_URL"])
    version, redis_pid = redis_server_info(redis_url)
    # CPU worth reporting besides the bench's own processes (on this machine).
    watch = {"redis": redis_pid}
    if on_postgres:
        watch["postgres"] = "postgres"
    results["stack"] = {
        "database": database.describe(),
        "channel_layer": f"Redis {version} ({redis_origin})",
    }
    progress(f"{results['stack']['database']}, {results['stack']['channel_layer']}")

    cookies = Path(work_dir) / "cookies.txt"
    cookies.write_text(
        "\n".join(fixtures.staff_sessions(sessions_needed(config))) + "\n"
    )
    products = fixtures.seed_products()
    product_ids = [product.pk for product in products]

    daphne = started["daphne"] = start_daphne(
        {**os.environ, **environment}, work_dir, cleanup
    )
    # SQLite takes one writer at a time; PostgreSQL gets two saving threads.
    threads = 2 if on_postgres else 1
    ours = app_target("ours", daphne, product_ids, threads, cookies)
    if "fanout" in config.phases:
        fanout_phases(config, work_dir, cleanup, results, ours, products, watch)
        if config.compare_click:
            without_click(
                config,
                work_dir,
                cleanup,
                results,
                environment,
                product_ids,
                threads,
                cookies,
                watch,
            )
    if "public" in config.phases:
        progress(f"public fan-out N={max(config.sizes)}: anonymous catalog sockets")
        results["public_fanout"] = attempt(
            results,
            "public fan-out",
            public_fanout.measure,
            config,
            work_dir,
            cleanup,
            daphne,
            products,
            threads,
            watch,
            os.getpid(),
        )
    if "public-cluster" in config.phases:
        progress(
            f"public fan-out across processes: {config.cluster_sockets:,} catalog "
            f"sockets on 1 daphne, then on {config.cluster_processes} behind nginx"
        )
        results["public_cluster"] = attempt(
            results,
            "public fan-out across processes",
            public_cluster.measure,
            config,
            work_dir,
            cleanup,
            {**os.environ, **environment},
            daphne,
            products,
            watch,
            fanout.SaveSource(product_ids, 1),
        )
    if "storm" in config.phases:
        progress(f"reconnect storm: {config.storm_sockets} sockets at once")
        results["storm"] = attempt(
            results, "storm", storm.measure, ours, config.storm_sockets, work_dir, watch
        )
    if "overload" in config.phases:
        progress("overload: large events, healthy and non-reading sockets")
        results["overload"] = attempt(
            results,
            "overload",
            overload.measure,
            ours,
            product_ids,
            threads,
            config,
            work_dir,
            watch,
        )
    if "write" in config.phases:
        progress(f"write path: {config.write_saves} saves each way, round-robin")
        results["write_path"] = write_path.measure(product_ids, config.write_saves)
    if "catalog" in config.phases:
        progress("catalog")
        results["catalog"] = attempt(
            results,
            "catalog",
            catalog.measure,
            daphne,
            {**os.environ, **environment},
            work_dir,
            cleanup,
            config.http_threads,
            config.seconds,
            watch,
        )
    if "import" in config.phases:
        progress(f"CSV import: {imports.ROWS:,} rows created, then updated")
        results["import"] = attempt(results, "import", imports.measure)
        progress(
            f"CSV import: {imports.LARGE_ROWS:,} rows by manage.py import_products"
        )
        results["import_large"] = attempt(
            results, "import_large", imports.measure_large
        )
    # Last: it leaves the database with a million products.
    if "large" in config.phases:
        progress(f"large catalog: {', '.join(f'{n:,}' for n in config.large_sizes)}")
        results["large"] = attempt(
            results, "large catalog", large_catalog.measure, config.large_sizes
        )


def sessions_needed(config):
    counts = [1]
    if "fanout" in config.phases:
        counts.append(max(config.sizes))
    if "storm" in config.phases:
        counts.append(config.storm_sockets)
    if "overload" in config.phases:
        counts.append(overload.HEALTHY_SOCKETS + overload.SLOW_SOCKETS)
    return max(counts)


def app_target(name, daphne, product_ids, threads, cookies):
    return fanout.FanoutTarget(
        name,
        f"ws://127.0.0.1:{daphne.port}/ws/products/",
        fanout.SaveSource(product_ids, threads),
        daphne.pid,
        "daphne",
        source_pid=os.getpid(),
        origin=f"http://127.0.0.1:{daphne.port}",
        cookies=cookies,
    )


def attempt(results, name, measure, *args):
    """A phase's figures, or its error (recorded; the next phases still run)."""
    try:
        return measure(*args)
    except BenchError as error:
        results["errors"].append(f"{name}: {error}")
        progress(f"  failed: {error}")
        return {"error": str(error)}


def fanout_phases(config, work_dir, cleanup, results, ours, products, watch):
    prefix, suffix = fixtures.event_fragment_parts(products[-1])
    raw = fanout.RawServer(prefix, suffix, work_dir)
    cleanup.callback(raw.stop)
    targets = (ours, fanout.FanoutTarget("raw", raw.url, raw, raw.pid, "raw server"))
    largest = max(config.sizes)
    for count in config.sizes:
        entry = {"sockets": count}
        results["fanout"].append(entry)
        for target in targets:
            progress(f"fan-out N={count}: {target.name}")
            profile_path = None
            if config.profile and target is ours and count == largest:
                profile_path = Path(work_dir) / f"profile-{count}.txt"
            entry[target.name] = attempt(
                results,
                f"fan-out N={count} {target.name}",
                fanout.measure,
                target,
                count,
                config,
                work_dir,
                watch,
                profile_path,
            )
    raw.stop()


def without_click(
    config,
    work_dir,
    cleanup,
    results,
    environment,
    product_ids,
    threads,
    cookies,
    watch,
):
    """The largest N once more on a second daphne that cannot import click: the
    same run's figure for what autobahn's log styling costs."""
    count = max(config.sizes)
    daphne = start_daphne(
        {**os.environ, **environment}, work_dir, cleanup, without_click=True
    )
    target = app_target("ours_without_click", daphne, product_ids, threads, cookies)
    progress(f"fan-out N={count}: ours, daphne without click")
    profile_path = (
        Path(work_dir) / "profile-without-click.txt" if config.profile else None
    )
    entry = next(e for e in results["fanout"] if e["sockets"] == count)
    entry[target.name] = attempt(
        results,
        f"fan-out N={count} without click",
        fanout.measure,
        target,
        count,
        config,
        work_dir,
        watch,
        profile_path,
    )
    daphne.stop()


def daphne_log_summary(daphne):
    problems = problem_lines(daphne.log())
    return {"problem_lines": len(problems), "last_problems": problems[-15:]}


def write_results(results):
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    text = json.dumps(results, indent=2, default=str) + "\n"
    path = RESULTS_DIR / f"{stamp}.json"
    path.write_text(text)
    (RESULTS_DIR / "latest.json").write_text(text)
    return path


def stop_on_sigterm(signum, frame):
    # Turn a plain kill into an exception, so that every finally block runs.
    raise KeyboardInterrupt


def main(argv=None):
    config = parse_args(argv)
    signal.signal(signal.SIGTERM, stop_on_sigterm)
    began = time.monotonic()
    results: dict[str, Any] = {
        "started_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": {**machine(), "open_files_limit": raise_nofile_limit()},
        "config": asdict(config),
        "stack": {},
        "fanout": [],
        "errors": [],
    }
    interrupted = False
    started_servers: dict[str, Any] = {}
    with ExitStack() as cleanup:
        work_dir = tempfile.mkdtemp(prefix="shop-bench-")
        cleanup.callback(shutil.rmtree, work_dir, ignore_errors=True)
        try:
            bench(config, work_dir, cleanup, results, started_servers)
        except KeyboardInterrupt:
            interrupted = True
            results["errors"].append("interrupted")
        except BenchError as error:
            results["errors"].append(str(error))
            progress(f"failed: {error}")
        except Exception as error:
            results["errors"].append(f"{type(error).__name__}: {error}")
            traceback.print_exc()
        finally:
            daphne = started_servers.get("daphne")
            if daphne is not None:
                results["daphne_log"] = daphne_log_summary(daphne)
                if results["errors"]:
                    progress(f"daphne log (last lines):\n{log_tail(daphne.log())}")
            progress("stopping everything the bench started")
    results["duration_s"] = round(time.monotonic() - began, 1)
    results["goals"] = report.goals(results)
    print(report.table(results))
    if interrupted:
        print("\nInterrupted: no results written.")
        return 130
    path = write_results(results)
    print(f"\nResults: {path.relative_to(REPO_DIR)} (and bench/results/latest.json)")
    return 1 if results["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
