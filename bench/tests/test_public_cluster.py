import re

import pytest

from bench import report
from bench.public_cluster import (
    cpu_per_frame,
    established_to_ports,
    nginx_limits,
    reach_all,
    reach_all_summary,
    split,
    with_worker_connections,
)
from core.testing.proxy import NGINX_FILES

MS = 1_000_000  # nanoseconds


def test_sockets_are_shared_out_over_the_clients_to_the_last_one():
    assert split(10_000, 3) == [3334, 3333, 3333]
    assert split(10_000, 2) == [5000, 5000]
    assert split(2, 5) == [1, 1]


def test_nginx_has_room_for_every_socket_on_one_worker_both_ways():
    limits = nginx_limits(10_000, hard_limit=1_048_576)
    # The client's connection and the one to daphne, all on one worker.
    assert limits["worker_connections"] >= 20_000
    assert limits["worker_rlimit_nofile"] > limits["worker_connections"]


def test_nginx_never_asks_for_more_files_than_the_hard_limit():
    limits = nginx_limits(10_000, hard_limit=20_000)
    assert limits["worker_rlimit_nofile"] == 20_000
    assert limits["worker_connections"] < 20_000


def test_deploys_worker_connections_is_raised_for_the_bench_only_upwards():
    deployed = next(p for p in NGINX_FILES if p.name == "nginx.conf").read_text()
    raised = with_worker_connections(deployed, 21_024)
    current = re.search(r"worker_connections (\d+);", deployed).group(1)
    # Only the number changes: the rest is deploy's configuration as it is.
    assert raised == deployed.replace(
        f"worker_connections {current};", "worker_connections 21024;"
    )
    assert with_worker_connections(
        "events {\n    worker_connections 50000;\n}", 10
    ) == ("events {\n    worker_connections 50000;\n}")
    with pytest.raises(ValueError):
        with_worker_connections("events {\n}\n", 10)


def _tcp_line(local, remote, state, inode):
    """A line of /proc/net/tcp: addresses in hex, the state, and the inode of
    the socket (0 when no process holds it)."""
    timers = "00000000:00000000 00:00000000 00000000"
    return f"   0: {local} {remote} {state} {timers}     0        0 {inode} 1"


TCP_TABLE = "\n".join(
    [
        "  sl  local_address rem_address   st tx_queue rx_queue ... inode",
        _tcp_line("0100007F:1F41", "00000000:0000", "0A", 101),
        _tcp_line("0100007F:1F41", "0100007F:9C40", "01", 102),
        _tcp_line("0100007F:1F41", "0100007F:9C41", "01", 103),
        _tcp_line("0100007F:9C40", "0100007F:1F41", "01", 104),
        _tcp_line("0100007F:1F42", "0100007F:9C42", "01", 105),
        _tcp_line("0100007F:1F42", "0100007F:9C43", "06", 0),
        _tcp_line("0100007F:1F42", "0100007F:9C44", "01", 0),
    ]
)


def test_sockets_per_process_count_the_servers_established_ends_only():
    # 0x1F41 = 8001 and 0x1F42 = 8002. Not counted: the listener, the client's
    # own end of a connection (line 3), a connection in TIME_WAIT (06) and one
    # the kernel completed but the server has not accepted yet (no inode).
    assert established_to_ports(TCP_TABLE, [8001, 8002, 8003]) == {
        8001: 2,
        8002: 1,
        8003: 0,
    }


def _socket(*arrivals):
    return {
        "ids": [event_id for event_id, _ in arrivals],
        "times": [ms * MS for _, ms in arrivals],
    }


def test_a_change_reaches_all_when_its_last_socket_has_it():
    events = [[1, 100 * MS], [2, 1100 * MS]]
    sockets = [_socket((1, 120), (2, 1105)), _socket((1, 180), (2, 1300), (1, 190))]
    assert reach_all(events, sockets, 0, 5000 * MS) == [80.0, 200.0]


def test_a_change_one_socket_missed_never_reached_all():
    events = [[1, 100 * MS], [2, 1100 * MS]]
    sockets = [_socket((1, 120), (2, 1105)), _socket((1, 150), (2, 9000))]
    # The second socket had change 2 only after the phase ended.
    times = reach_all(events, sockets, 0, 5000 * MS)
    assert times == [50.0, None]
    assert reach_all_summary(times) == {
        "p50_ms": 50.0,
        "max_ms": 50.0,
        "changes": 2,
        "not_everywhere": 1,
    }


def test_cpu_per_frame_adds_up_the_processes_of_each_role():
    shares = {
        "daphne-1": 0.25,
        "daphne-2": 0.25,
        "nginx-1": 0.1,
        "client-1": 0.05,
        "redis": 0.01,
        "machine": 0.9,
        "other": 0.24,
    }
    # Two seconds, 10,000 frames: half a core of daphnes is 100 us a frame.
    assert cpu_per_frame(shares, 2.0, 10_000) == {
        "daphne": 100.0,
        "nginx": 20.0,
        "client": 10.0,
        "redis": 2.0,
    }
    assert cpu_per_frame(shares, 2.0, 0) == {}


def _shape(processes, p99, through, other_cpu=0.0):
    return {
        "processes": processes,
        "through": through,
        "connect": {"connected": 10_000, "failures": {}, "seconds": 40.0},
        "per_process": [
            {
                "process": f"daphne-{n}",
                "sockets": 10_000 // processes,
                "idle_cpu": 0.02,
                "rss_mib_before": 100.0,
                "rss_mib_idle": 300.0,
                "kib_per_socket": 40.0,
            }
            for n in range(1, processes + 1)
        ],
        "idle_cpu": {"nginx-1": 0.0},
        "delivery": {
            "p99_all_ms": p99,
            "latency": {"p50_ms": 50.0, "p99_ms": p99, "max_ms": p99},
            "lost": 0,
            "cpu": {"other": other_cpu},
        },
        "reach_all": {"p50_ms": 90.0, "max_ms": 130.0, "not_everywhere": 0},
        "us_per_frame": {"daphne": 30.0, "nginx": 8.0},
    }


def _entry(sockets=10_000, cluster_p99=120.0, single_p99=397.0):
    return {
        "sockets": sockets,
        "changes": 20,
        "gap_s": 0.5,
        "clients": 2,
        "single": _shape(1, single_p99, "direct"),
        "cluster": _shape(2, cluster_p99, "nginx"),
    }


GOAL = "one price change to 10,000 public sockets p99 <= 150 ms across processes"


def _goal(entry):
    return {goal["goal"]: goal for goal in report.goals({"public_cluster": entry})}[
        GOAL
    ]


def test_the_goal_is_judged_on_the_processes_behind_nginx_beside_the_single_one():
    goal = _goal(_entry(cluster_p99=120.0, single_p99=397.0))
    assert goal["status"] == "met"
    assert goal["figure"] == "120.0 ms on 2 processes, 1 process: 397.0 ms"
    assert "doubtful" not in goal
    assert _goal(_entry(cluster_p99=151.0))["status"] == "NOT met"


def test_frames_lost_across_processes_fail_the_goal():
    goal = _goal(_entry(cluster_p99=None))
    assert goal["status"] == "NOT met" and goal["figure"].startswith("lost > 1%")


def test_a_run_with_fewer_sockets_than_the_goal_is_doubtful():
    goal = _goal(_entry(sockets=5_000))
    assert goal["doubtful"] == "measured at 5,000 sockets"


def test_the_goal_is_not_measured_when_the_phase_did_not_run_or_broke():
    assert _goal(None)["status"] == "not measured"
    broken = _goal({"error": "nginx is not installed"})
    assert (broken["status"], broken["figure"]) == (
        "not measured",
        "nginx is not installed",
    )


def test_the_table_shows_each_shape_with_its_sockets_per_process():
    lines = report._public_cluster_lines(_entry())
    single = next(line for line in lines if line.startswith("  1 daphne, direct"))
    cluster = next(line for line in lines if line.startswith("  2 daphnes behind"))
    assert "10000 " in single and "50.0/397.0/397.0" in single
    assert "5000/5000" in cluster and "50.0/120.0/120.0" in cluster
    assert any(
        "daphne-2 2%, 100.0 -> 300.0 MiB (40.0 KiB/socket)" in line for line in lines
    )
    assert any(
        "CPU per delivered frame: daphne 30.0 us, nginx 8.0 us" in line
        for line in lines
    )
