"""``make bench``: delivery, write path and catalog figures, on loopback.

Starts what it needs (a throwaway database, Redis if none answers, daphne, a bare
websockets server, socket client processes), prints a table and writes the same
figures to ``bench/results/<UTC timestamp>.json`` and ``bench/results/latest.json``.
Everything it started is stopped and removed at the end, also on errors and
Ctrl-C. It exits 0 whether or not the goals are met, 1 if something broke.

    .venv/bin/python bench/run.py [--quick] [--sizes 1,100,1000] [--seconds 5]
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

# Run as a script: make the bench package and the Django project importable.
REPO_DIR = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO_DIR), str(REPO_DIR / "core")]

from bench import catalog, database, fanout, fixtures, report  # noqa: E402
from bench import write_path  # noqa: E402
from bench.services import (  # noqa: E402
    BenchError,
    find_or_start_redis,
    forget_redis_keys,
    machine_busy_seconds,
    raise_nofile_limit,
    redis_server_info,
    start_daphne,
)

RESULTS_DIR = REPO_DIR / "bench" / "results"


@dataclass
class Config:
    sizes: tuple
    seconds: float  # each fan-out phase, and each catalog URL under load
    rate: float  # steady phase, events per second, the same for every N
    write_iterations: int
    http_threads: int = 8


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
    args = parser.parse_args(argv)
    sizes = (1, 100) if args.quick else (1, 100, 1000)
    if args.sizes:
        sizes = tuple(int(size) for size in args.sizes.split(",") if size.strip())
    if not sizes or min(sizes) < 1 or max(sizes) > 5000:
        parser.error("--sizes: between 1 and 5000 sockets")
    seconds = args.seconds or (2.5 if args.quick else 5.0)
    if not 0.5 <= seconds <= 30:
        parser.error("--seconds: between 0.5 and 30")
    if not 0.1 <= args.rate <= 500:
        parser.error("--rate: between 0.1 and 500 events/s")
    return Config(
        sizes=sizes,
        seconds=seconds,
        rate=args.rate,
        write_iterations=100 if args.quick else 300,
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
        **database.prepare(os.environ, work_dir, cleanup),
        "DJANGO_SETTINGS_MODULE": "core.settings.bench",
        "REDIS_URL": redis_url,
        "BENCH_CHANNEL_PREFIX": prefix,
        "MEDIA_ROOT": str(Path(work_dir) / "media"),
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
    cookies.write_text("\n".join(fixtures.staff_sessions(max(config.sizes))) + "\n")
    products = fixtures.seed_products()
    prefix, suffix = fixtures.event_fragment_parts(products[-1])

    daphne = started["daphne"] = start_daphne(
        {**os.environ, **environment}, work_dir, cleanup
    )
    raw = fanout.RawServer(prefix, suffix, work_dir)
    cleanup.callback(raw.stop)
    # SQLite takes one writer at a time; PostgreSQL gets two saving threads.
    threads = 2 if on_postgres else 1
    targets = (
        fanout.FanoutTarget(
            "ours",
            f"ws://127.0.0.1:{daphne.port}/ws/products/",
            fanout.SaveSource([product.pk for product in products], threads),
            daphne.pid,
            "daphne",
            source_pid=os.getpid(),
            origin=f"http://127.0.0.1:{daphne.port}",
            cookies=cookies,
        ),
        fanout.FanoutTarget("raw", raw.url, raw, raw.pid, "raw server"),
    )
    for count in config.sizes:
        entry = {"sockets": count}
        results["fanout"].append(entry)
        for target in targets:
            progress(f"fan-out N={count}: {target.name}")
            try:
                entry[target.name] = fanout.measure(
                    target, count, config, work_dir, watch=watch
                )
            except BenchError as error:
                entry[target.name] = {"error": str(error)}
                results["errors"].append(f"fan-out N={count} {target.name}: {error}")
                progress(f"  failed: {error}")
    raw.stop()

    progress("write path")
    results["write_path"] = write_path.measure(products[0].pk, config.write_iterations)
    progress("catalog")
    results["catalog"] = catalog.measure(
        daphne.port, config.http_threads, config.seconds
    )


def daphne_log_summary(daphne):
    problems = daphne.log_problems()
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
    results = {
        "started_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": {**machine(), "open_files_limit": raise_nofile_limit()},
        "config": asdict(config),
        "stack": {},
        "fanout": [],
        "errors": [],
    }
    interrupted = False
    started_servers = {}
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
                    progress(f"daphne log (last lines):\n{daphne.log_tail()}")
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
