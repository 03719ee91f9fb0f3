from bench import report


def _steady(p99, other_cpu=0.0):
    return {"p99_all_ms": p99, "cpu": {"other": other_cpu}}


def _fanout(count, ours_fps, raw_fps, p99):
    return {
        "sockets": count,
        "ours": {"max": {"frames_per_s": ours_fps, "cpu": {}}, "steady": _steady(p99)},
        "raw": {"max": {"frames_per_s": raw_fps, "cpu": {}}},
    }


def _by_name(goals):
    return {goal["goal"]: goal for goal in goals}


def test_fan_out_goals_are_met_or_not_by_the_ratio_and_the_p99():
    results = {
        "fanout": [_fanout(100, 900, 1000, 12.0), _fanout(1000, 200, 1000, 400.0)]
    }
    goals = _by_name(report.goals(results))

    ratio = goals[f"fan-out at N=1000 >= {report.MIN_RATIO_AT_1000}x raw frames/s"]
    assert ratio["status"] == "NOT met" and ratio["figure"] == "0.200x"
    assert goals["p99 < 50 ms at N=100"]["status"] == "met"
    assert goals["p99 < 150 ms at N=1000"]["status"] == "NOT met"


def test_frames_lost_count_against_the_p99_goal():
    results = {"fanout": [_fanout(100, 900, 1000, None)]}
    goal = _by_name(report.goals(results))["p99 < 50 ms at N=100"]
    assert goal["status"] == "NOT met" and goal["figure"] == "lost > 1%"


def test_phases_that_were_not_run_are_not_measured_rather_than_failed():
    statuses = {goal["status"] for goal in report.goals({})}
    assert statuses == {"not measured"}


def test_a_goal_judged_while_other_work_used_the_machine_is_doubtful():
    entry = _fanout(100, 900, 1000, 12.0)
    entry["ours"]["steady"]["cpu"]["other"] = 0.6
    goal = _by_name(report.goals({"fanout": [entry]}))["p99 < 50 ms at N=100"]
    assert "60%" in goal["doubtful"]


def test_write_goals_compare_with_the_history_library_and_a_plain_save():
    write = {
        "ways": {
            "ours": {"median_ms": 2.0, "ratio": 1.4},
            "simple_history": {"median_ms": 2.5},
            "bare_update": {"median_ms": 1.0},
        }
    }
    goals = report.write_goals(write)
    assert [goal["status"] for goal in goals] == ["met", "met", "met"]
    write["ways"]["ours"].update(median_ms=3.0, ratio=1.8)
    assert [goal["status"] for goal in report.write_goals(write)] == [
        "NOT met",
        "NOT met",
        "NOT met",
    ]


def test_the_table_lists_every_goal_with_its_status_and_figure():
    results = {
        "machine": {"cores": 2, "system": "Linux", "python": "3.11"},
        "goals": [
            {
                "goal": "write path <= django-simple-history",
                "status": "met",
                "figure": "2.00 vs 2.50 ms",
            },
            {
                "goal": "catalog 304 >= 5.0x the full page",
                "status": "not measured",
                "figure": None,
            },
        ],
        "duration_s": 12,
    }
    printed = report.table(results)
    assert "[met] write path <= django-simple-history (2.00 vs 2.50 ms)" in printed
    assert "[not measured] catalog 304 >= 5.0x the full page" in printed
    assert printed.endswith("Took 12 s.")


def test_a_busy_machine_is_called_out_before_the_figures():
    results = {
        "machine": {
            "cores": 2,
            "system": "Linux",
            "python": "3.11",
            "busy_before_start": 0.5,
        },
    }
    assert "WARNING: the machine was already busy" in report.table(results)


def _large_import(ratio, peak):
    step = {"import_s": 10.0, "bulk_create_s": 10.0 / ratio, "ratio": ratio}
    return {
        "rows": 100_000,
        "file_kib": 8_000,
        "startup_s": 1.0,
        "startup_mib": 80,
        "create": {**step, "peak_mib": 100},
        "update": {**step, "peak_mib": peak},
    }


def test_the_large_import_goal_needs_both_the_ratio_and_the_memory():
    name = "100,000-row import <= 2x bulk_create, <= 256 MiB"
    met = _by_name(report.goals({"import_large": _large_import(1.9, 250)}))[name]
    assert (met["status"], met["figure"]) == ("met", "1.90x, 250 MiB")
    for ratio, peak in ((2.1, 200), (1.5, 300)):
        results = {"import_large": _large_import(ratio, peak)}
        assert _by_name(report.goals(results))[name]["status"] == "NOT met"
    failed = {"import_large": {"error": "manage.py import_products failed"}}
    assert _by_name(report.goals(failed))[name]["status"] == "not measured"
    lines = report._large_import_lines(_large_import(1.9, 250))
    assert lines[2].split() == [
        "update",
        "10.00",
        "s",
        "against",
        "bulk_create",
        "5.26",
        "s:",
        "1.90x,",
        "peak",
        "250",
        "MiB",
    ]
