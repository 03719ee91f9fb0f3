"""The printed table and the goal markers, from the results dictionary."""

# The project's goals for delivery, the write path and the catalog.
MIN_RATIO_AT_1000 = 0.25
P99_LIMITS_MS = {100: 50, 1000: 150}
MAX_WRITE_RATIO = 2.0
PHASES = ("steady", "max")
DRAIN_ENDINGS = {
    "complete": "",
    "backlog": " (more still arriving when it ended)",
    "stopped": " (the rest stopped coming)",
}
# CPU used by processes the bench did not start, above which a phase is suspect.
BUSY_OTHERS = 0.25


def _fanout_entry(results, count):
    for entry in results.get("fanout", []):
        if entry["sockets"] == count:
            return entry
    return None


def max_ratio(entry):
    try:
        ours = entry["ours"]["max"]["frames_per_s"]
        raw = entry["raw"]["max"]["frames_per_s"]
    except (KeyError, TypeError):
        return None
    return ours / raw if raw else None


def _goal(name, met, figure, phases=()):
    """A goal's status; ``phases`` are the fan-out phases it was judged on, whose
    figures are doubtful if other work used the machine meanwhile."""
    if met is None:
        return {"goal": name, "status": "not measured", "figure": figure}
    goal = {"goal": name, "status": "met" if met else "NOT met", "figure": figure}
    others = max((phase["cpu"].get("other", 0) for phase in phases), default=0)
    if others >= BUSY_OTHERS:
        goal["doubtful"] = f"other work used {others:.0%} of a core meanwhile"
    return goal


def goals(results):
    found = []
    entry = _fanout_entry(results, 1000)
    ratio = max_ratio(entry) if entry else None
    found.append(
        _goal(
            f"fan-out at N=1000 >= {MIN_RATIO_AT_1000}x raw frames/s",
            None if ratio is None else ratio >= MIN_RATIO_AT_1000,
            None if ratio is None else f"{ratio:.3f}x",
            () if ratio is None else (entry["ours"]["max"], entry["raw"]["max"]),
        )
    )
    for count, limit in P99_LIMITS_MS.items():
        entry = _fanout_entry(results, count)
        steady = (entry or {}).get("ours", {}).get("steady")
        name = f"p99 < {limit} ms at N={count}"
        if not steady:
            found.append(_goal(name, None, None))
            continue
        # Frames that never arrived count as infinitely late: a p99 over the
        # frames that did arrive would hide them.
        p99 = steady["p99_all_ms"]
        found.append(
            _goal(
                name,
                p99 is not None and p99 < limit,
                "lost > 1%" if p99 is None else f"{p99:.1f} ms",
                (steady,),
            )
        )
    write = results.get("write_path")
    found.append(
        _goal(
            f"write path <= {MAX_WRITE_RATIO:.0f}x a bare update",
            None if not write else write["ratio"] <= MAX_WRITE_RATIO,
            None if not write else f"{write['ratio']:.2f}x",
        )
    )
    counts = (results.get("catalog") or {}).get("queries_per_page")
    found.append(
        _goal(
            "catalog queries constant in page size",
            None if not counts else len({c["queries"] for c in counts.values()}) == 1,
            (
                None
                if not counts
                else ", ".join(
                    f"{size} -> {c['queries']}" for size, c in counts.items()
                )
            ),
        )
    )
    return found


def _ms(value):
    return "-" if value is None else f"{value:.1f}"


def _latency(phase):
    latency = phase["latency"]
    return "/".join(_ms(latency[key]) for key in ("p50_ms", "p99_ms", "max_ms"))


def _fanout_lines(results):
    config = results["config"]
    lines = [
        f"Fan-out (steady {config['rate']:g} ev/s for {config['seconds']:g} s for "
        f"latency, then {config['seconds']:g} s at max load for frames/s: ours "
        "offered 60k frames/s of saves, raw flat out; each phase followed by up "
        "to 3 s of drain)",
        f"  {'N':>5}  {'ours fr/s':>9}  {'raw fr/s':>9}  {'ratio':>5}  "
        f"{'ours p50/p99/max ms':>20}  {'raw p50/p99/max ms':>18}  "
        f"{'lost/dup':>8}  ours max phase bounded by",
    ]
    notes = []
    for entry in results.get("fanout", []):
        ours, raw = entry.get("ours", {}), entry.get("raw", {})
        count = entry["sockets"]
        if "max" not in ours or "max" not in raw:
            problem = ours.get("error") or raw.get("error") or "did not finish"
            lines.append(f"  {count:>5}  {problem}")
            continue
        ratio = max_ratio(entry)
        duplicates = ours["steady"]["duplicates"] + ours["max"]["duplicates"]
        lost_dup = f"{ours['steady']['lost']}/{duplicates}"
        lines.append(
            f"  {count:>5}  {ours['max']['frames_per_s']:>9,}  "
            f"{raw['max']['frames_per_s']:>9,}  "
            f"{'-' if ratio is None else f'{ratio:.3f}':>5}  "
            f"{_latency(ours['steady']):>20}  {_latency(raw['steady']):>18}  "
            f"{lost_dup:>8}  {ours['max']['bound']}"
        )
        notes.extend(_fanout_notes(count, ours, raw))
    lines.append(
        "  fr/s: frames the client received per second in the max phase; ratio: "
        "ours / raw; latency: commit (raw: broadcast) to receipt, steady phase; "
        "lost: steady-phase frames not received by the end of the drain; dup: "
        "frames received twice"
    )
    return lines, notes


def _cpu(cpu, server):
    """CPU shares of one core, e.g. "daphne 95%, client 60%, ... (machine 190%)"."""
    names = {"server": server, "bench": "bench (saves)", "other": "others"}
    shown = [
        f"{names.get(name, name)} {share:.0%}"
        for name, share in cpu.items()
        if name != "machine"
    ]
    return ", ".join(shown) + f" (all: {cpu.get('machine', 0):.0%})"


def _fanout_notes(count, ours, raw):
    notes = []
    peak = ours["max"]
    notes.append(
        f"N={count}: ours max phase {peak['events']} saves at "
        f"{peak['event_rate']} ev/s ({peak.get('threads', 1)} thread(s)), "
        f"{peak['received']:,}/{peak['expected']:,} frames within the drain"
        f"{DRAIN_ENDINGS[peak['drain']]}; CPU {_cpu(peak['cpu'], 'daphne')}"
    )
    notes.append(
        f"N={count}: raw max phase {raw['max']['events']:,} broadcasts, bounded by "
        f"{raw['max']['bound']}; CPU {_cpu(raw['max']['cpu'], 'raw server')}"
    )
    steady = ours["steady"]
    if steady.get("save"):
        notes.append(
            f"N={count}: ours steady phase: save() p50 {_ms(steady['save']['p50_ms'])}"
            f" ms, of which {_ms(steady['after_commit']['p50_ms'])} ms after the "
            f"commit (on-commit work); event frames {ours['event_frame_bytes']} B "
            f"(raw {raw['event_frame_bytes']} B)"
        )
    if steady["lost"]:
        notes.append(
            f"N={count}: ours steady phase: {steady['lost']:,} of "
            f"{steady['expected']:,} frames not received within the drain"
            f"{DRAIN_ENDINGS[steady['drain']]}"
        )
    for name, figures in (("ours", ours), ("raw", raw)):
        for phase in PHASES:
            closed = figures[phase]["closed_by_server"]
            if closed:
                notes.append(
                    f"N={count}: {name} {phase}: server closed sockets: {closed}"
                )
            if figures[phase]["cpu"].get("client", 0) >= 0.9:
                notes.append(
                    f"N={count}: {name} {phase}: the socket client used a whole "
                    "core: its figure is a floor, the client may be the limit"
                )
    for name, figures in (("ours", ours), ("raw", raw)):
        others = max(figures[phase]["cpu"].get("other", 0) for phase in PHASES)
        if others >= BUSY_OTHERS:
            notes.append(
                f"N={count}: {name}: other work on the machine used up to "
                f"{others:.0%} of a core during these phases: figures are doubtful"
            )
    if ours.get("other_frames"):
        notes.append(
            f"N={count}: ours: {ours['other_frames']} frames without an event id "
            "(not counted)"
        )
    if ours.get("client_restarted_for_max"):
        notes.append(
            f"N={count}: ours: the steady phase left a backlog on the server; the "
            "max phase ran on freshly connected sockets"
        )
    return notes


def table(results):
    info = results["machine"]
    stack = results.get("stack", {})
    lines = [
        f"Machine: {info['cores']} cores, {info['system']}, Python {info['python']}; "
        f"database: {stack.get('database', '?')}; "
        f"channel layer: {stack.get('channel_layer', '?')}",
    ]
    if info.get("busy_before_start", 0) >= 0.2:
        lines.append(
            f"  WARNING: the machine was already busy before the bench started "
            f"({info['busy_before_start']:.0%} of a core): figures will be low"
        )
    fanout_lines, notes = _fanout_lines(results)
    lines += fanout_lines
    lines += [f"    {note}" for note in notes]

    write = results.get("write_path")
    if write:
        lines.append(
            f"Write path ({write['iterations']} each, medians): save (diff + change "
            f"row + announce on commit) {write['save_median_ms']:.2f} ms; bare "
            f"update {write['update_median_ms']:.2f} ms; ratio {write['ratio']:.2f}x"
        )
    shop = results.get("catalog")
    if shop:
        lines.append(
            f"Catalog ({shop['products']:,} products, "
            f"{shop['load']['page 2']['threads']} keep-alive threads per URL):"
        )
        for name, load in shop["load"].items():
            lines.append(
                f"  {load['path']:<28} {load['requests_per_s']:>7.1f} req/s  "
                f"p50 {_ms(load['latency']['p50_ms'])} ms  "
                f"p99 {_ms(load['latency']['p99_ms'])} ms  "
                f"non-200: {load['non_200']}"
                + (f"  ({shop['search_matches']} matches)" if name == "search" else "")
            )
        counts = shop["queries_per_page"]
        lines.append(
            "  queries per page (/products/?page=2): "
            + ", ".join(
                f"{size}/page -> {c['queries']} ({c['products_on_page']} shown)"
                for size, c in counts.items()
            )
        )
    lines.append("Goals:")
    for goal in results.get("goals", []):
        figure = f" ({goal['figure']})" if goal["figure"] else ""
        doubt = f" -- doubtful: {goal['doubtful']}" if "doubtful" in goal else ""
        lines.append(f"  [{goal['status']}] {goal['goal']}{figure}{doubt}")
    log = results.get("daphne_log")
    if log and log["problem_lines"]:
        lines.append(
            f"daphne log: {log['problem_lines']} warning/error lines, last: "
            f"{log['last_problems'][-1]}"
        )
    if results.get("errors"):
        lines.append("Errors:")
        lines += [f"  {error}" for error in results["errors"]]
    lines.append(f"Took {results.get('duration_s', '?')} s.")
    return "\n".join(lines)
