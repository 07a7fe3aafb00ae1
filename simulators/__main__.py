"""``python -m simulators day --speed S [--hours H] [--url URL] [--json]``: run a compressed day
against a running server and print the report (JSON on stdout with ``--json``)."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

import httpx

from simulators.arrivals import Mix, Surge
from simulators.callbacks import CallbackScenario, parse_answer
from simulators.control import ControlScenario
from simulators.day import DayConfig, run_day
from simulators.report import render
from simulators.services import parse_outage
from simulators.surveys import SurveyScenario


def _weights(text: str) -> dict[str, float]:
    """``uz=0.7,ru=0.3`` → {"uz": 0.7, "ru": 0.3}."""
    out = {}
    for part in text.split(","):
        key, _, value = part.partition("=")
        out[key.strip()] = float(value or 1)
    return out


def _surge(text: str) -> Surge:
    """``MINUTE:CALLS[:TYPE]`` → a surge that many minutes into the run."""
    minute, calls, *rest = text.split(":")
    return Surge(
        at_s=float(minute) * 60, calls=int(calls), incident=rest[0] if rest else "fire.building"
    )


def parser() -> argparse.ArgumentParser:
    """The command line."""
    top = argparse.ArgumentParser(prog="python -m simulators", description=__doc__)
    commands = top.add_subparsers(dest="command", required=True)
    day = commands.add_parser("day", help="run a compressed day and print the report")
    day.add_argument("--speed", type=float, default=1.0, help="the server's DISPATCH_TIME_SCALE")
    day.add_argument("--hours", type=float, default=24.0)
    day.add_argument("--start-hour", type=float, default=0.0, help="time of day the run starts")
    day.add_argument("--url", default="http://127.0.0.1:8112")
    day.add_argument("--json", action="store_true", help="the report as JSON on stdout")
    day.add_argument("--operators", type=int, default=12)
    day.add_argument("--calls-per-hour", type=float, default=120.0, help="at the peak hour")
    day.add_argument("--languages", type=_weights, help="e.g. uz=0.7,ru=0.25,kaa=0.05")
    day.add_argument("--incidents", type=_weights, help="e.g. medical.illness=3,fire.residential=1")
    day.add_argument("--channels", type=_weights, help="e.g. voice=1")
    day.add_argument("--patience", type=float, default=90.0, help="mean seconds a caller waits")
    day.add_argument("--handle", type=float, default=120.0, help="mean handle seconds")
    day.add_argument("--drop", type=float, default=0.03, help="share of calls that drop")
    day.add_argument(
        "--surge", type=_surge, action="append", default=[], help="MINUTE:CALLS[:TYPE]"
    )
    day.add_argument("--replay", type=Path, help="a CSV of ../shared/data/calls/")
    day.add_argument("--region", help="draw callers in this region only, e.g. UZ-TK")
    day.add_argument(
        "--services",
        choices=("webhook", "pull"),
        default="webhook",
        help="services receive cards on HTTP receivers here (webhook) or pull their feeds",
    )
    day.add_argument(
        "--fail-service",
        type=parse_outage,
        action="append",
        default=[],
        metavar="CODE[:START_MIN:MINUTES]",
        help="a service whose system is down (all run, or from START_MIN for MINUTES)",
    )
    day.add_argument(
        "--service-errors", type=float, default=0.0, help="share of webhooks answered 500"
    )
    day.add_argument(
        "--callback-answer",
        type=parse_answer,
        default=(0.6,),
        metavar="P[,P2,P3]",
        help="probability a caller answers a callback, per attempt",
    )
    day.add_argument(
        "--survey-answer",
        type=float,
        default=0.35,
        metavar="P",
        help="share of callers answering a survey SMS with a score (a few more opt out)",
    )
    day.add_argument(
        "--hold-share",
        type=float,
        default=0.05,
        metavar="P",
        help="share of calls the operator puts on hold for a moment (call control)",
    )
    day.add_argument(
        "--consult-share",
        type=float,
        default=0.03,
        metavar="P",
        help="share of calls where the operator adds the consulting doctor, then removes them",
    )
    day.add_argument("--seed", type=int, default=112)
    day.add_argument("--recordings", type=Path, default=Path("var/recordings"))
    day.add_argument("--admin-user", default="admin")
    day.add_argument(
        "--heartbeat",
        type=float,
        default=15.0,
        help="server seconds between bot heartbeats "
        "(keep under the server's DISPATCH_OPERATOR_GRACE_S)",
    )
    day.add_argument(
        "--background-requests",
        type=int,
        default=4,
        help="status reports, AML and heartbeats in flight at once (0: no limit)",
    )
    day.add_argument("--no-progress", action="store_true")
    return top


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; the exit status."""
    args = parser().parse_args(argv)
    mix = Mix(
        calls_per_hour=args.calls_per_hour,
        patience_mean_s=args.patience,
        handle_mean_s=args.handle,
        drop_probability=args.drop,
    )
    for name in ("languages", "incidents", "channels"):
        if getattr(args, name):
            setattr(mix, name, getattr(args, name))
    config = DayConfig(
        url=args.url,
        speed=args.speed,
        hours=args.hours,
        start_hour=args.start_hour,
        operators=args.operators,
        seed=args.seed,
        mix=mix,
        surges=args.surge,
        replay=args.replay,
        region=args.region,
        admin_user=args.admin_user,
        admin_password=os.environ.get("SIM_ADMIN_PASSWORD", "admin"),
        recordings=args.recordings,
        services=args.services,
        outages=args.fail_service,
        service_errors=args.service_errors,
        callbacks=CallbackScenario(answer=args.callback_answer),
        surveys=SurveyScenario(answer=args.survey_answer),
        control=ControlScenario(hold_share=args.hold_share, consult_share=args.consult_share),
        progress=not args.no_progress,
        heartbeat_s=args.heartbeat,
        background_requests=args.background_requests,
    )
    try:
        report = asyncio.run(run_day(config))
    except (RuntimeError, OSError, httpx.HTTPError) as exc:
        print(f"simulators: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(report, indent=2) if args.json else render(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
