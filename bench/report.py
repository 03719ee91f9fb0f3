"""The printed table and the goal markers, from the results dictionary."""

import statistics

# The project's goals for delivery, the write path and the catalog.
MIN_RATIO_AT_1000 = 0.30
P99_LIMITS_MS = {100: 50, 1000: 150}
MAX_WRITE_RATIO = 2.0  # our write against a bare QuerySet.update()
MAX_WRITE_RATIO_TO_PLAIN = 1.5  # stretch: against a plain save() in atomic()
MIN_DAPHNE_TO_GUNICORN = 0.9  # the catalog page's requests/s, ASGI against WSGI
MIN_REVALIDATED_TO_FULL = 5.0  # a 304 against the full page, under daphne
# A 10,000-row import step (preview or apply) finishes well inside the 60 s a
# reverse proxy commonly allows a request.
MAX_IMPORT_STEP_S = 30.0
# A 100,000-row import by manage.py: each step against a bare bulk_create of
# the same rows, and the command's peak memory.
MAX_LARGE_IMPORT_RATIO = 2.0
MAX_LARGE_IMPORT_MIB = 256
# One price change reaching this many public catalog sockets, across processes.
PUBLIC_CLUSTER_SOCKETS = 10_000
PUBLIC_CLUSTER_P99_MS = 150
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
    found += public_cluster_goals(results.get("public_cluster"))
    found += storm_goals(results.get("storm"))
    found += overload_goals(results.get("overload"))
    found += write_goals(results.get("write_path"))
    found += catalog_goals((results.get("catalog") or {}).get("servers"))
    found += import_goals(results.get("import"))
    found += large_import_goals(results.get("import_large"))
    found += large_goals(results.get("large"))
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


def catalog_goals(servers):
    if not servers:
        return [
            _goal(
                f"catalog under daphne >= {MIN_DAPHNE_TO_GUNICORN}x gunicorn",
                None,
                None,
            ),
            _goal(
                f"catalog 304 >= {MIN_REVALIDATED_TO_FULL}x the full page", None, None
            ),
        ]
    medians = servers["median_requests_per_s"]
    runs = [run for loads in servers["runs"].values() for run in loads]
    to_gunicorn, revalidated = (
        servers["daphne_to_gunicorn"],
        servers["revalidated_to_full"],
    )
    return [
        _goal(
            f"catalog under daphne >= {MIN_DAPHNE_TO_GUNICORN}x gunicorn",
            to_gunicorn is not None and to_gunicorn >= MIN_DAPHNE_TO_GUNICORN,
            f"{medians['daphne full']:.0f} / {medians['gunicorn full']:.0f} req/s"
            f" = {to_gunicorn}x",
            runs,
        ),
        _goal(
            f"catalog 304 >= {MIN_REVALIDATED_TO_FULL}x the full page",
            revalidated is not None and revalidated >= MIN_REVALIDATED_TO_FULL,
            f"{medians['daphne 304']:.0f} / {medians['daphne full']:.0f} req/s"
            f" = {revalidated}x",
            runs,
        ),
    ]


def write_goals(write):
    ways = (write or {}).get("ways")
    if not ways:
        return [
            _goal("write path <= django-simple-history", None, None),
            _goal(f"write path <= {MAX_WRITE_RATIO_TO_PLAIN}x plain save", None, None),
        ]
    ours, history = ways["ours"], ways["simple_history"]
    to_bare = ours["median_ms"] / ways["bare_update"]["median_ms"]
    return [
        _goal(
            "write path <= django-simple-history",
            ours["median_ms"] <= history["median_ms"],
            f"{ours['median_ms']:.2f} vs {history['median_ms']:.2f} ms",
        ),
        _goal(
            f"stretch: write path <= {MAX_WRITE_RATIO_TO_PLAIN}x a plain atomic save",
            ours["ratio"] <= MAX_WRITE_RATIO_TO_PLAIN,
            f"{ours['ratio']:.2f}x",
        ),
        _goal(
            f"write path <= {MAX_WRITE_RATIO:.0f}x a bare update",
            to_bare <= MAX_WRITE_RATIO,
            f"{to_bare:.2f}x",
        ),
    ]


def storm_goals(storm):
    if storm is None:
        return []
    if "error" in storm:
        return [_goal("reconnect storm", None, storm["error"])]
    count, seconds = storm["sockets"], storm["goal_seconds"]
    failed = sum(storm["failures"].values())
    return [
        _goal(
            f"storm: all {count} sockets get their state within {seconds} s",
            storm["within_goal"] == count,
            f"{storm['within_goal']}/{count}",
        ),
        _goal(
            "storm: no handshake dropped or refused",
            failed == 0,
            f"{failed} failed" + (f" {storm['failures']}" if failed else ""),
        ),
    ]


def overload_goals(overload):
    from .overload import MEMORY_SLACK_MIB, SHED_WITHIN_SECONDS

    if overload is None:
        return []
    if "error" in overload:
        return [_goal("overload", None, overload["error"])]
    slow = overload["slow_sockets"]
    shed = [s for s in slow if s["shed_after_s"] is not None]
    rss = overload["rss_mib"]
    healthy = overload["healthy"]
    return [
        _goal(
            f"overload: slow sockets shed within {SHED_WITHIN_SECONDS} s",
            len(shed) == len(slow)
            and all(s["shed_after_s"] <= SHED_WITHIN_SECONDS for s in shed),
            f"{len(shed)}/{len(slow)} shed",
        ),
        _goal(
            f"overload: server memory back within {MEMORY_SLACK_MIB} MiB of before",
            rss["after"] is not None
            and rss["after"] - rss["before"] <= MEMORY_SLACK_MIB,
            f"{rss['before']} -> peak {rss['peak']} -> {rss['after']} MiB",
        ),
        _goal(
            "overload: healthy sockets lose nothing",
            overload["backlog_after_drain"] == 0
            and not overload["healthy_closed_by_server"]
            and healthy["duplicates"] == 0,
            f"{overload['backlog_after_drain']:,} of {healthy['expected']:,} frames "
            "not delivered within the drain",
        ),
    ]


def _public_lines(entry):
    if not entry:
        return []
    public, raw = entry.get("public", {}), entry.get("raw", {})
    if "max" not in public or "max" not in raw:
        problem = public.get("error") or raw.get("error") or "did not finish"
        return [f"Public catalog fan-out: {problem}"]
    frames, limit = public["max"]["frames_per_s"], raw["max"]["frames_per_s"]
    ratio = frames / limit if limit else None
    return [
        f"Public catalog fan-out (ws/catalog/, {entry['sockets']} anonymous sockets,"
        " measured as the feed's):",
        f"  {frames:,} / {limit:,} fr/s raw = "
        f"{'-' if ratio is None else f'{ratio:.3f}'}x;  p50/p99/max "
        f"{_latency(public['steady'])} ms (raw {_latency(raw['steady'])});  "
        f"lost {public['steady']['lost']}",
    ]


def public_cluster_goals(entry):
    """p99 of one change reaching every public socket, over the processes behind
    nginx: lost frames count as infinitely late, and a run with fewer sockets
    than the goal's is marked doubtful."""
    name = (
        f"one price change to {PUBLIC_CLUSTER_SOCKETS:,} public sockets p99 <= "
        f"{PUBLIC_CLUSTER_P99_MS} ms across processes"
    )
    cluster = (entry or {}).get("cluster")
    if not cluster:
        return [_goal(name, None, (entry or {}).get("error"))]
    delivery = cluster["delivery"]
    p99 = delivery["p99_all_ms"]
    single = (entry.get("single") or {}).get("delivery", {}).get("p99_all_ms")
    figure = "lost > 1%" if p99 is None else f"{p99:.1f} ms"
    figure += f" on {cluster['processes']} processes"
    if "single" in entry:
        figure += ", 1 process: " + (
            "lost > 1%" if single is None else f"{single:.1f} ms"
        )
    goal = _goal(
        name, p99 is not None and p99 <= PUBLIC_CLUSTER_P99_MS, figure, (delivery,)
    )
    if entry["sockets"] < PUBLIC_CLUSTER_SOCKETS:
        measured = f"measured at {entry['sockets']:,} sockets"
        goal["doubtful"] = "; ".join(filter(None, [measured, goal.get("doubtful")]))
    return [goal]


def _shape_label(shape):
    count = shape["processes"]
    if shape["through"] == "nginx":
        return f"{count} daphne{'s' if count > 1 else ''} behind nginx"
    return f"{count} daphne, direct"


def _public_cluster_lines(entry):
    if not entry:
        return []
    if "error" in entry:
        return [f"Public fan-out across processes: {entry['error']}"]
    lines = [
        f"Public fan-out across processes (ws/catalog/, {entry['sockets']:,} anonymous "
        f"sockets from {entry['clients']} client processes; {entry['changes']} price "
        "changes, each to every socket, one at a time: saved once the one before "
        f"reached every socket, {entry['gap_s']:g} s later):",
        f"  {'shape':<26} {'connect':>8}  {'sockets per process':<20} "
        f"{'p50/p99/max ms':>21}  {'reach all p50/max':>17}  {'lost':>6}  "
        "daphne us/frame",
    ]
    shapes = [entry[name] for name in ("single", "cluster") if name in entry]
    for shape in shapes:
        delivery, reach = shape["delivery"], shape["reach_all"]
        held = "/".join(str(p["sockets"]) for p in shape["per_process"])
        reached = f"{_ms(reach['p50_ms'])}/{_ms(reach['max_ms'])}"
        if reach["not_everywhere"]:
            reached += f" ({reach['not_everywhere']} never all)"
        lines.append(
            f"  {_shape_label(shape):<26} {shape['connect']['seconds']:>7.1f}s  "
            f"{held:<20} {_latency(delivery):>21}  {reached:>17}  "
            f"{delivery['lost']:>6}  {_ms(shape['us_per_frame'].get('daphne'))}"
        )
    lines.append(
        "  per process, every socket open and nothing sent: idle CPU, and resident "
        "memory before the sockets -> with them (per socket)"
    )
    for shape in shapes:
        parts = [
            f"{p['process']} {p['idle_cpu'] or 0:.0%}, {p['rss_mib_before']} -> "
            f"{p['rss_mib_idle']} MiB ({_ms(p['kib_per_socket'])} KiB/socket)"
            for p in shape["per_process"]
        ]
        nginx = [
            f"{name} {share:.0%}"
            for name, share in shape["idle_cpu"].items()
            if name.startswith("nginx")
        ]
        if nginx:
            parts.append("nginx workers " + ", ".join(nginx))
        lines.append(f"    {_shape_label(shape)}: " + "; ".join(parts))
    for shape in shapes:
        lines.append(
            f"    {_shape_label(shape)}, CPU per delivered frame: "
            + ", ".join(f"{role} {us} us" for role, us in shape["us_per_frame"].items())
        )
        lines.append(
            f"    {_shape_label(shape)}, CPU during the changes: "
            f"{_cpu(shape['delivery']['cpu'], 'daphne')}"
        )
        for step, problems in shape.get("log_problems", {}).items():
            lines.append(
                f"    {_shape_label(shape)}, daphne log while {step}: "
                f"{problems['lines']} warning/error lines, last: {problems['last']}"
            )
        failures = shape["connect"]["failures"]
        if failures:
            lines.append(
                f"    {_shape_label(shape)}: sockets not connected: {failures}"
            )
    if "nginx" in entry:
        nginx = entry["nginx"]
        lines.append(
            f"    nginx: {nginx['workers']} workers, worker_connections "
            f"{nginx['worker_connections']:,}, worker_rlimit_nofile "
            f"{nginx['worker_rlimit_nofile']:,}, listen reuseport"
        )
    return lines


def _catalog_lines(shop):
    if not shop or "error" in shop:
        return []
    servers = shop["servers"]
    lines = [
        f"Catalog ({shop['products']:,} products, {servers['path']}, "
        f"{servers['runs']['daphne full'][0]['threads']} keep-alive client threads, "
        f"medians of {servers['rounds']} alternating rounds):"
    ]
    for name, loads in servers["runs"].items():
        median = servers["median_requests_per_s"][name]
        rounds = " ".join(f"{run['requests_per_s']:.0f}" for run in loads)
        p99 = statistics.median(run["latency"]["p99_ms"] or 0 for run in loads)
        cpu = loads[len(loads) // 2]["cpu"]
        per_request = servers["median_server_cpu_ms_per_request"][name]
        lines.append(
            f"  {name:<14} {median:>8.1f} req/s  (rounds: {rounds})  p99 {p99:.1f} ms"
            f"  server CPU {per_request:.2f} ms/request"
            f"  unexpected: {sum(run['unexpected'] for run in loads)}"
            f"  cpu: server {cpu.get('server', 0):.0%}"
            f" client {cpu.get('client', 0):.0%} others {cpu.get('other', 0):.0%}"
        )
    lines.append(
        f"  daphne / gunicorn: {servers['daphne_to_gunicorn']}x;  "
        f"304 / full: daphne {servers['revalidated_to_full']}x, "
        f"gunicorn {servers['gunicorn_revalidated_to_full']}x;  "
        f"same ETag from both: {servers['same_etag']}"
    )
    search = shop["load"]["search"]
    lines.append(
        f"  search {search['path']} under daphne: {search['requests_per_s']:.1f} req/s"
        f"  p99 {_ms(search['latency']['p99_ms'])} ms"
        f"  unexpected: {search['unexpected']}  ({shop['search_matches']} matches)"
    )
    counts = shop["queries_per_page"]
    lines.append(
        "  queries per page (/products/?page=2): "
        + ", ".join(
            f"{size}/page -> {c['queries']} ({c['products_on_page']} shown)"
            for size, c in counts.items()
        )
    )
    return lines


def _ms(value):
    return "-" if value is None else f"{value:.1f}"


def _latency(phase):
    latency = phase["latency"]
    return "/".join(_ms(latency[key]) for key in ("p50_ms", "p99_ms", "max_ms"))


def _fanout_lines(results):
    if not results.get("fanout"):
        return [], []  # --phases without fanout
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
        "  fr/s: events the client received per second in the max phase, over all "
        "sockets (the raw server sends one per message; ours joins events that wait "
        "for one socket into one message); ratio: ours / raw; latency: commit (raw: "
        "broadcast) to receipt, steady phase; lost: steady-phase events not received "
        "by the end of the drain; dup: events received twice"
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
    if ours.get("messages") and ours.get("events_received"):
        notes.append(
            f"N={count}: ours: {ours['events_received']:,} events arrived in "
            f"{ours['messages']:,} messages "
            f"({ours['events_received'] / ours['messages']:.2f} per message: events "
            "waiting together for a socket leave together)"
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


def _click_lines(results):
    lines = []
    for entry in results.get("fanout", []):
        other = entry.get("ours_without_click")
        if not other or "max" not in other or "max" not in entry.get("raw", {}):
            continue
        raw = entry["raw"]["max"]["frames_per_s"]
        lines.append(
            f"Same run, N={entry['sockets']}, a second daphne where click cannot "
            "be imported (autobahn then skips styling its per-frame debug-log "
            "arguments):"
        )
        for name, label in (("ours", "as shipped"), ("ours_without_click", "no click")):
            figures = entry[name]["max"]
            lines.append(
                f"  {label:<11} {figures['frames_per_s']:>9,} fr/s  ratio "
                f"{figures['frames_per_s'] / raw:.3f}  daphne "
                f"{figures['server_us_per_frame']} us CPU/frame  steady p99 "
                f"{_ms(entry[name]['steady']['latency']['p99_ms'])} ms"
            )
    return lines


def _profile_lines(results):
    lines = []
    for entry in results.get("fanout", []):
        for name in ("ours", "ours_without_click"):
            figures = entry.get(name) or {}
            profile = figures.get("profile")
            if not profile or not profile.get("samples"):
                continue
            per_frame = figures["max"]["server_us_per_frame"]
            lines.append(
                f"Profile of daphne ({name}), N={entry['sockets']} max phase: "
                f"{profile['samples']:,} busy samples; {per_frame} us of daphne CPU "
                "per delivered frame"
            )
            lines.append(
                "  by package (own time; us per frame): "
                + ", ".join(
                    f"{package} {percent:.0f}%"
                    + ("" if per_frame is None else f" {per_frame * percent / 100:.1f}")
                    for package, percent in profile["packages"].items()
                    if percent >= 1
                )
            )
            styling = profile.get("log_styling", 0)
            lines.append(
                f"  autobahn styling log arguments (autobahn.util hl*, click), with "
                f"callees: {styling:.1f}%"
                + ("" if per_frame is None else f", {per_frame * styling / 100:.1f} us")
                + " per frame"
            )
            lines.append("  own time, top functions:")
            lines += [
                f"    {row['percent']:>5.1f}%  {row['function']}"
                for row in profile["self"]
            ]
            lines.append("  including callees, top functions:")
            lines += [
                f"    {row['percent']:>5.1f}%  {row['function']}"
                for row in profile["inclusive"]
            ]
    return lines


def _storm_lines(storm):
    if not storm or "error" in storm:
        return []
    first = storm["first_frame_s"]

    def seconds(value):
        return "-" if value is None else f"{value:.2f}"

    failures = ", ".join(f"{n} {why}" for why, n in storm["failures"].items())
    return [
        f"Reconnect storm ({storm['sockets']} staff sockets, own sessions, every "
        "handshake started at once):",
        f"  got their state: {storm['got_state']}/{storm['sockets']} "
        f"(within {storm['goal_seconds']} s: {storm['within_goal']}); start -> "
        f"first frame p50/p99/max {seconds(first['p50'])}/{seconds(first['p99'])}"
        f"/{seconds(first['max'])} s; dropped/refused: {failures or 'none'}; "
        f"daphne CPU {storm['cpu']['server']:.0%}",
    ]


def _overload_lines(overload):
    if not overload or "error" in overload:
        return []
    healthy = overload["healthy"]
    rss = overload["rss_mib"]
    slow = "; ".join(
        (
            f"shed after {s['shed_after_s']} s, code {s['close_code']}"
            if s["shed_after_s"] is not None
            else "not shed"
        )
        for s in overload["slow_sockets"]
    )
    closed = overload["healthy_closed_by_server"]
    return [
        f"Overload ({overload['healthy_sockets']} healthy + "
        f"{len(overload['slow_sockets'])} non-reading sockets; saves offered at "
        f"{overload['event_rate']} ev/s for {overload['seconds']:g} s, event frames "
        f"{overload['event_frame_bytes']:,} B; then {overload['drain_seconds']} s "
        f"drain and {overload['settle_seconds']} s settling):",
        f"  slow sockets: {slow}",
        f"  healthy: {healthy['received']:,}/{healthy['expected']:,} frames within "
        f"the drain ({healthy['events']} events at {healthy['event_rate']} ev/s, "
        f"{healthy['frames_per_s']:,} fr/s); backlog after the drain "
        f"{overload['backlog_after_drain']:,}, of which "
        f"{overload['late_after_drain']:,} came later and "
        f"{overload['never_delivered']:,} never; closed by the server: "
        f"{closed or 'none'}; latency p50/p99/max {_latency(healthy)} ms",
        f"  daphne RSS: before {rss['before']} MiB, peak {rss['peak']} MiB, after "
        f"the drain {rss['after']} MiB, after every socket closed "
        f"{rss['after_close']} MiB; CPU {_cpu(healthy['cpu'], 'daphne')}",
    ]


def _write_lines(write):
    if not write:
        return []
    libraries = ", ".join(f"{name} {v}" for name, v in write["libraries"].items())
    lines = [
        f"Write path ({write['saves']} saves each way, {write['interleaving']}, "
        f"medians; {libraries}):"
    ]
    for way in write["ways"].values():
        kinds = " + ".join(way["statement_kinds"])
        lines.append(
            f"  {way['label']:<46} {way['median_ms']:>6.2f} ms  "
            f"{way['ratio']:>5.2f}x  statements: {kinds}"
        )
    return lines


def _import_lines(imported):
    if not imported or "error" in imported:
        return []
    lines = [
        f"CSV import ({imported['rows']:,} rows, {imported['file_kib']:,} KiB, "
        "through the import page in-process):"
    ]
    for step in ("create", "update"):
        figures = imported[step]
        lines.append(
            f"  {step:<7} preview {figures['preview_s']:>6.2f} s "
            f"({figures['preview_page_kib']:,} KiB page)  "
            f"apply {figures['apply_s']:>6.2f} s  -> {figures['summary']}"
        )
    return lines


def import_goals(imported):
    name = f"a CSV import's preview and apply each < {MAX_IMPORT_STEP_S:.0f} s"
    if not imported or "error" in imported:
        return [_goal(name, None, None)]
    steps = [
        imported[step][f"{part}_s"]
        for step in ("create", "update")
        for part in ("preview", "apply")
    ]
    return [_goal(name, max(steps) < MAX_IMPORT_STEP_S, f"slowest {max(steps):.2f} s")]


def _large_import_lines(imported):
    if not imported or "error" in imported:
        return []
    lines = [
        f"CSV import ({imported['rows']:,} rows, {imported['file_kib']:,} KiB, "
        f"manage.py import_products; {imported['startup_s']:.2f} s and "
        f"{imported['startup_mib']} MiB of start-up not counted):"
    ]
    for step in ("create", "update"):
        figures = imported[step]
        lines.append(
            f"  {step:<7} {figures['import_s']:>6.2f} s against bulk_create "
            f"{figures['bulk_create_s']:>6.2f} s: {figures['ratio']:.2f}x, "
            f"peak {figures['peak_mib']} MiB"
        )
    return lines


def large_import_goals(imported):
    name = (
        f"100,000-row import <= {MAX_LARGE_IMPORT_RATIO:.0f}x bulk_create, "
        f"<= {MAX_LARGE_IMPORT_MIB} MiB"
    )
    if not imported or "error" in imported:
        return [_goal(name, None, None)]
    steps = [imported[step] for step in ("create", "update")]
    ratio = max(step["ratio"] for step in steps)
    peak = max(step["peak_mib"] for step in steps)
    met = ratio <= MAX_LARGE_IMPORT_RATIO and peak <= MAX_LARGE_IMPORT_MIB
    return [_goal(name, met, f"{ratio:.2f}x, {peak} MiB")]


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

    lines += _public_lines(results.get("public_fanout"))
    lines += _public_cluster_lines(results.get("public_cluster"))
    lines += _click_lines(results)
    lines += _profile_lines(results)
    lines += _storm_lines(results.get("storm"))
    lines += _overload_lines(results.get("overload"))
    lines += _write_lines(results.get("write_path"))
    lines += _import_lines(results.get("import"))
    lines += _large_import_lines(results.get("import_large"))
    lines += _catalog_lines(results.get("catalog"))
    lines += _large_lines(results.get("large"))
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


def _large_lines(large):
    if not large or "error" in large:
        return [f"Large catalog: {large['error']}"] if large else []
    lines = ["Large catalog (in-process, p50 / p99 ms, queries per page):"]
    for entry in large["sizes"]:
        lines.append(
            f"  {entry['products']:,} products (written in {entry['fill_s']} s)"
        )
        if "recount_s" in entry:
            lines.append(
                f"    stock counters recounted in {entry['recount_s']} s"
                f" (added the {entry['recount_added_products']:,} products"
                " written around the write path)"
            )
        for name, figures in entry["views"].items():
            if "error" in figures:
                lines.append(f"    {name:<36} {figures['error']}")
                continue
            lines.append(
                f"    {name:<36} {figures['p50_ms']:>7.1f} / {figures['p99_ms']:>7.1f}"
                f"   {figures['queries']} queries"
                f" (slowest {figures['slowest_query_ms']:.1f} ms)"
            )
    return lines


def large_goals(large):
    """Every view under the goal's p99 at the largest size measured."""
    if not large or "error" in large or not large["sizes"]:
        return []
    entry = large["sizes"][-1]
    limit = large["goal_p99_ms"]
    measured = {
        name: figures["p99_ms"]
        for name, figures in entry["views"].items()
        if "error" not in figures
    }
    slowest = max(measured, key=lambda name: measured[name], default=None)
    found = [
        _goal(
            f"every catalog view p99 < {limit} ms at {entry['products']:,} products",
            bool(measured)
            and len(measured) == len(entry["views"])
            and measured[slowest] < limit,
            None if slowest is None else f"slowest: {slowest}, {measured[slowest]} ms",
        )
    ]
    feed = entry["views"].get("feed page", {})
    if "feed_goal_p50_ms" in large and "p50_ms" in feed:
        found.append(
            _goal(
                f"feed page p50 < {large['feed_goal_p50_ms']} ms"
                f" at {entry['products']:,} products",
                feed["p50_ms"] < large["feed_goal_p50_ms"],
                f"{feed['p50_ms']} ms",
            )
        )
    return found
