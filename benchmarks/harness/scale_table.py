"""``make bench-scale``'s report as a table: one row per step, the comparison, the kill."""

from __future__ import annotations

from typing import Any

from benchmarks.harness.report import print_rows

HEADER = [
    "step",
    "calls",
    "calls/s",
    "ops",
    "SL(20s)",
    "ok",
    "errors",
    "CPU ms/call",
    "marginal",
    "server cores",
    "throttled",
    "lock waits (s)",
    "leader",
    "loadgen",
    "haproxy",
    "machine",
    "other",
    "load",
]


def _each(step: dict[str, Any], key: str, form: str = "{:g}") -> str:
    return "/".join(form.format(p[key]) for p in step["processes"])


def _percent(share: float | None) -> str:
    return "-" if share is None else f"{100 * share:.0f}%"


def step_row(step: dict[str, Any]) -> list[str]:
    """One step's cells (per-process figures as ``first/second``)."""
    errors = step["errors"]
    waits = "/".join(f"{p['lock_waits']} ({p['lock_wait_s']:g})" for p in step["processes"])
    leaders = [p["name"] for p in step["processes"] if p["leads_at_start"]]
    return [
        step["step"],
        str(step["calls"]),
        f"{step['calls_per_wall_s']:g}",
        str(step["operators"]),
        f"{step['service_level']:.3f}",
        "yes" if step["ok"] else "no",
        ", ".join(f"{k} ×{v}" for k, v in errors.items()) or "0",
        f"{step['cpu_ms_per_call']}",
        f"{step['marginal_cpu_ms_per_call']}",
        _each(step, "cores", "{:.2f}"),
        "/".join(_percent(p["throttled_share"]) for p in step["processes"]),
        waits,
        "+".join(leaders) or "-",
        f"{step['load_generator_cores']:.2f}",
        f"{step['haproxy_cores']:.2f}",
        f"{step['machine_busy_cores']:.2f}",
        f"{step['other_cores']:.2f}",
        f"{step['load_average'][0]:g}→{step['load_average'][1]:g}",
    ]


def print_table(report: dict[str, Any]) -> None:
    """The head (machine, commit, quota), each step, the comparison, the kill."""
    machine = report["machine"]
    print(
        f"scale-out, {report['measured_at']} to {report['finished_at']}, commit {report['commit']}"
    )
    print(
        f"machine: {machine['nproc']} CPUs ({machine['cpu']}), {machine['system']}, Python "
        f"{machine['python']}; load average {machine['load_average_at_start']} at the start, "
        f"{report['load_average_at_end']} at the end"
    )
    print(f"{report['database']}; Redis; HAProxy; quota: {report['quota']}")
    rows = [HEADER]
    for search in report["searches"].values():
        rows += [step_row(step) for step in search["steps"]]
    if "kill" in report:
        rows.append(step_row(report["kill"]))
    print_rows(rows)
    print()
    for count, search in report["searches"].items():
        best = search["best"]
        if best is None:
            print(f"{count} process(es): no step kept SL >= 0.95 without refusals")
            continue
        print(
            f"{count} process(es): highest good rate {best['calls_per_hour']:g} calls/h "
            f"({best['calls_per_wall_s']:g} calls per wall s), SL {best['service_level']:.3f}, "
            f"{best['cpu_ms_per_call']} ms of server CPU per call"
        )
    comparison = report.get("comparison") or {}
    if comparison:
        print(
            f"2 vs 1: rate ×{comparison['rate_ratio']} (target >= 1.7: "
            f"{'met' if comparison['rate_target_met'] else 'NOT met'}), CPU per call "
            f"×{comparison['cpu_per_call_ratio']} (target <= 1.15: "
            f"{'met' if comparison['cpu_target_met'] else 'NOT met'})"
        )
    if "kill" in report:
        print_kill(report["kill"])
    print(f"JSON: {report.get('kept')}; servers' logs: {report.get('logs')}")


def print_kill(step: dict[str, Any]) -> None:
    """The take-over of each singleton and what was lost."""
    kill = step.get("kill") or {}
    if "error" in kill:
        print(f"kill -9: {kill['error']}")
    else:
        takeover = ", ".join(f"{k} {v} s" for k, v in kill["takeover_s"].items())
        print(
            f"kill -9 of {kill['victim']} (pid {kill['victim_pid']}, leading "
            f"{len(kill['led'])} singletons) under {step['calls_per_hour']:g} calls/h; "
            f"taken over (survivor's /healthz every 0.1 s): {takeover}; restarted "
            f"{kill['restarted_after_s']} s after the kill (start took {kill['restart_took_s']} s)"
        )
    after = kill.get("singletons_after") or {}
    if after:
        print(
            f"  singletons afterwards: {after['leads']}; not led: {after['not_led'] or 'none'}; "
            f"led twice: {after['led_twice'] or 'none'}"
        )
    losses = step.get("losses") or {}
    if losses:
        print(
            f"  acknowledged: {losses['acknowledged']}; lost: {losses['lost']} (deliveries "
            f"waited {losses['deliveries_waited_s']} s; callback tasks expected "
            f"{losses['callback_tasks_expected']}, by status {losses['callback_tasks_by_status']})"
        )
        if any(losses["lost"].values()):
            print(f"  LOST, examples: {losses['examples']}")
