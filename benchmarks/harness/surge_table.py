"""``make bench-surge``'s report as text: the scale, one row per step, the targets, the kill."""

from __future__ import annotations

from typing import Any

from benchmarks.harness.report import print_rows

TARGETS = {
    "sl": 0.95,  # staffed: live calls answered within 20 s, in the surge
    "dials": 0,  # short: unclassified callbacks dialled while a call the dialler could take waited
    "priority_s": 60.0,  # short: priority 1–2 callbacks, drop to first dial (server s)
    "console_ms": 250.0,  # short: console fan-out p99
    "delivery_s": 5.0,  # short: delivery lag p99 at the peak, each service (wall s)
    "loadgen": 0.5,  # the load generator's cores
}
HEADER = [
    "step",
    "calls",
    "bots",
    "SL all/surge",
    "in surge (server min)",
    "uncl. dials while waiting",
    "prio 1-2 cb: ≤60s, p99",
    "console p99 all/surge",
    "delivery p99 at peak (wall s)",
    "server cores",
    "throttled",
    "deliverer",
    "loadgen (sim+consoles)",
    "machine",
    "wall s",
]


def _value(level: dict[str, Any]) -> str:
    return "-" if level["value"] is None else f"{level['value']:.3f}"


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"


def surge_spans(step: dict[str, Any]) -> str:
    """When the policy first said "in surge" (server minutes from the start), in how many
    spans, for what share of the surge's ten minutes, and why."""
    policy = step["surge_policy"]
    if not policy["spans_on"]:
        return "never"
    unknown = policy["share_of_surge_unknown"]
    return (
        f"from {policy['first_on_s'] / 60:.1f}, {policy['spans_on']} span(s), "
        f"{100 * policy['share_of_surge_on']:.0f}% of it"
        + (f" (+{100 * unknown:.0f}% unseen)" if unknown else "")
        + f" ({', '.join(policy['why'])})"
    )


def delivery_cells(step: dict[str, Any], services: tuple[str, ...]) -> str:
    """Each service's p99 (unacknowledged rows in brackets)."""
    cells = []
    for code in services:
        lag = step["delivery_lag_at_peak"].get(code)
        if lag is None:
            cells.append(f"{code}: -")
            continue
        left = f" (+{lag['unacknowledged']} unacked)" if lag["unacknowledged"] else ""
        cells.append(f"{code}: {lag['p99_wall_s']}{left}")
    return " ".join(cells)


def step_row(step: dict[str, Any], services: tuple[str, ...]) -> list[str]:
    """One step's cells."""
    sl = step["service_level"]
    dials = step["dials"]
    prio = step["priority_callbacks"]
    console = step["consoles"]
    return [
        step["step"],
        str(step["calls"]),
        f"{step['operators']} (Erlang {step['erlang_at_peak']})",
        f"{_value(sl['all'])}/{_value(sl['surge'])}",
        surge_spans(step),
        f"{dials['while_a_call_waited']} ({dials['past_margin']} past {dials['margin_s']:g} s)",
        _priority_cell(prio),
        f"{_ms(console['all']['p99_ms'])}/{_ms(console['surge']['p99_ms'])} ms",
        delivery_cells(step, services),
        "/".join(f"{p['cores']:.2f}" for p in step["processes"]),
        "/".join(
            "-" if p["throttled_share"] is None else f"{100 * p['throttled_share']:.0f}%"
            for p in step["processes"]
        ),
        f"{step['deliverer_cores']:.2f}",
        f"{step['load_generator_cores']:.2f} ({step['simulator_cores']:.2f}+"
        f"{step['console_clients_cores']:.2f})",
        f"{step['machine_busy_cores']:.2f}",
        f"{step['wall_s']:g}",
    ]


def _priority_cell(prio: dict[str, Any]) -> str:
    """Priority 1–2 callbacks within 60 s and the p99, from the drop that made each one (from
    the task's first drop after a slash when a join raised some)."""
    mine = prio.get("from_priority", prio)  # runs kept before the figure was split
    cell = f"{mine['within_target']}/{prio['tasks']}, {mine['p99_s']}"
    if prio.get("raised_by_a_join"):
        cell += f" ({prio['within_target']}, {prio['p99_s']} from the first drop)"
    return cell


def targets(step: dict[str, Any], services: tuple[str, ...]) -> list[str]:
    """Which of the issue's targets the step meets (staffed: SL; short: the rest)."""
    said = []
    if step["step"].startswith("staffed"):
        sl = step["service_level"]["surge"]["value"]
        said.append(f"SL in the surge {sl} >= {TARGETS['sl']}: {_met(sl, TARGETS['sl'], up=True)}")
    if step["step"].startswith("short"):
        dials = step["dials"]
        said.append(
            f"unclassified callbacks dialled while a call the dialler could take waited, from "
            f"the surge on: {dials['while_a_call_waited']} ({dials['policy_on']} with the policy "
            f"in surge, {dials['policy_off']} out of it, {dials['policy_unseen']} unseen; "
            f"{dials['past_margin']} with the call waiting {dials['margin_s']:g} s or more; "
            f"{dials['before_the_surge']} before the surge) == 0: "
            f"{'met' if dials['while_a_call_waited'] == 0 else 'not met'}"
        )
        prio = step["priority_callbacks"]
        mine = prio.get("from_priority", prio)
        late = prio["tasks"] - mine["within_target"]
        said.append(
            f"priority 1-2 callbacks dialled within 60 s of the drop that made them one: "
            f"{mine['within_target']}/{prio['tasks']} (max {mine['max_s']} s; "
            f"{prio.get('raised_by_a_join', 0)} raised by a later classified call that joined "
            f"an unclassified task; from the task's first drop {prio['within_target']}/"
            f"{prio['tasks']}, max {prio['max_s']} s): {'met' if late == 0 else 'not met'}"
        )
        p99 = step["consoles"]["surge"]["p99_ms"]
        request = step["consoles"]["settle_request"]
        own = step["consoles"].get("settle_request_in_server") or {}
        database = step["consoles"].get("settle_request_in_database") or {}
        said.append(
            f"console p99 in the surge {_ms(p99)} ms <= 250: {_met(p99, 250.0)} (of which the "
            f"request that settled the call: p50 {_ms(request['p50_ms'])}, p99 "
            f"{_ms(request['p99_ms'])} ms; in the server's app, as its Server-Timing says: p50 "
            f"{_ms(own.get('p50_ms'))}, p99 {_ms(own.get('p99_ms'))} ms; of that in its SQL "
            f"statements and commit: p50 {_ms(database.get('p50_ms'))}, p99 "
            f"{_ms(database.get('p99_ms'))} ms)"
        )
        slowest = step["consoles"].get("settle_slowest") or []
        if slowest:
            said.append(
                "its slowest settling requests (s into the step's settling: kind, ms in all; "
                "the server's own, statements', commit's): "
                + "; ".join(
                    f"{row['sent_s']:g}: {row['kind']} {_ms(row['took_ms'])} ({_ms(row['app_ms'])}"
                    f", {_ms(row['db_ms'])}, {_ms(row['commit_ms'])})"
                    for row in slowest[:3]
                )
            )
        for code in services:
            lag = step["delivery_lag_at_peak"].get(code) or {}
            p99s = lag.get("p99_wall_s")
            ok = _met(p99s, TARGETS["delivery_s"]) if not lag.get("unacknowledged") else "not met"
            said.append(f"delivery p99 at the peak, {code}: {p99s} s <= 5: {ok}")
    load = step["load_generator_cores"]
    said.append(f"load generator {load:.2f} cores <= 0.5: {_met(load, TARGETS['loadgen'])}")
    return said


def _met(value: float | None, bound: float, *, up: bool = False) -> str:
    if value is None:
        return "no figure"
    return "met" if (value >= bound if up else value <= bound) else "not met"


def print_table(report: dict[str, Any]) -> None:
    """The scale, the steps, the targets, the kill."""
    machine, s = report["machine"], report["settings"]
    services = ("101", "103", "102")
    print(
        f"surge, {report['measured_at']} to {report.get('finished_at')}, commit {report['commit']}"
    )
    print(
        f"machine: {machine['nproc']} CPUs ({machine['cpu']}), {machine['system']}, Python "
        f"{machine['python']}; load average {machine['load_average_at_start']} at the start, "
        f"{report.get('load_average_at_end')} at the end"
    )
    print(f"{report['database']}; Redis; HAProxy; quota: {report['quota']}")
    print(
        f"scale: speed {s['speed']:g}; {s['steady_rate']:g} calls/h for {s['steady_min']:g} "
        f"server min, then {s['surge_calls']} more calls in {s['surge_min']:g} min within "
        f"{s['radius_m']:g} m of {s['centre']} ({s['incident']}; peak "
        f"{report['peak_calls_per_hour']:g} calls/h), {s['after_min']:g} min steady, "
        f"{s['drain_s']:g} s drain; {s['consoles']} consoles; drop {s['drop']:g}; "
        f"services 101 webhook (1 card per POST), 103 webhook batches of {s['batch']}, 102 pull"
    )
    rows = [HEADER] + [step_row(step, services) for step in report["steps"]]
    print_rows(rows)
    print()
    for step in report["steps"]:
        print(f"{step['step']}: " + "; ".join(targets(step, services)))
        if step["errors"]:
            print("  errors: " + ", ".join(f"{k} ×{v}" for k, v in step["errors"].items()))
        if "kill" in step:
            _print_kill(step)
    print(f"\nJSON: {report.get('kept')}; logs: {report.get('logs')}")


def _print_kill(step: dict[str, Any]) -> None:
    kill = step["kill"]
    if "error" in kill:
        print(f"  kill: {kill['error']}")
        return
    taken = ", ".join(f"{name} {s} s" for name, s in kill["takeover_s"].items())
    print(
        f"  kill -9 of {kill['victim']} (leading {len(kill['led'])} singletons) in the surge; "
        f"taken over: {taken}; restarted {kill['restarted_after_s']} s after"
    )
    after = kill.get("singletons_after", {})
    print(f"  not led: {after.get('not_led')}; led twice: {after.get('led_twice')}")
    losses = step.get("losses", {})
    print(f"  acknowledged: {losses.get('acknowledged')}; lost: {losses.get('lost')}")
    print(f"  console sockets closed by the kill: {step['consoles']['closed']}")
