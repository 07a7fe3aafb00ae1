"""Settings from the environment (prefix ``DISPATCH_``), built once in the app factory."""

from __future__ import annotations

import ipaddress
from enum import StrEnum
from pathlib import Path
from typing import Literal, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AwareDatetime, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET_KEY = "dev-only-secret-key-change-me-before-production"  # noqa: S105 - refused outside dev
DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./var/dispatch.db"
# ``shared/data/geo`` beside the repository (the data is read there, never copied in).
DEFAULT_GEO_DATA_DIR = Path(__file__).resolve().parents[3] / "shared" / "data" / "geo"


class Mode(StrEnum):
    """How the server runs: dev seeds demo accounts; simulation may scale time."""

    DEV = "dev"
    PRODUCTION = "production"
    SIMULATION = "simulation"


SurveyOutcome = Literal[
    "dispatched", "advice_given", "transferred", "referred", "false_alarm", "hoax", "duplicate",
    "caller_unreachable", "silent_call", "misdial", "test_call",
]  # fmt: skip


class SettingsError(ValueError):
    """The configuration cannot be used; the message says which variable to change."""


def _async_url(url: str, variable: str) -> str:
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+asyncpg://" + url.split("://", 1)[1]
    if url.startswith("sqlite://") and not url.startswith("sqlite+"):
        return "sqlite+aiosqlite://" + url.split("://", 1)[1]
    if not url.startswith(("postgresql+asyncpg://", "sqlite+aiosqlite://")):
        raise ValueError(
            f"{variable} must be a sqlite:// or postgresql:// URL, not {url.split('://', 1)[0]!r}"
        )
    return url


class Settings(BaseSettings):
    """Every knob of the server; read from ``DISPATCH_*`` environment variables."""

    model_config = SettingsConfigDict(env_prefix="DISPATCH_", extra="ignore")

    mode: Mode = Mode.DEV
    database_url: str = DEFAULT_DATABASE_URL
    redis_url: str | None = None
    # The Redis pub/sub channel of the centre's processes: one per centre sharing a Redis
    # (pub/sub ignores Redis's database numbers); every process of a centre names the same.
    redis_channel: str = Field(default="dispatch:bus", min_length=1, max_length=200)
    secret_key: SecretStr = SecretStr(DEV_SECRET_KEY)
    token_ttl_minutes: int = Field(default=720, ge=1, le=24 * 60)
    time_scale: float = Field(default=1.0, gt=0, le=10_000)
    # Simulation mode with several processes: the wall-clock instant (ISO, with its offset) every
    # process's scaled clock counts from, so that their clocks agree (``serve --workers`` sets
    # it for its processes). Unset: each process counts from its own start.
    clock_origin: AwareDatetime | None = None
    timezone: str = "Asia/Tashkent"
    host: str = "127.0.0.1"
    port: int = Field(default=8112, ge=1, le=65535)
    # The proxies (addresses or networks, comma-separated; "*" any) whose X-Forwarded-For and
    # X-Forwarded-Proto are believed: the load balancer in front of the processes. Empty: none,
    # the audit records the connecting peer's address whatever a request's headers say.
    forwarded_allow_ips: str = ""
    log_level: str = "INFO"
    log_json: bool = True
    # Sign-in: failed attempts allowed per account and per client address in 5 minutes before
    # each further attempt waits twice as long as the last, up to sign_in_max_wait_s (429).
    sign_in_free_failures_account: int = Field(default=5, ge=1, le=1000)
    sign_in_free_failures_address: int = Field(default=50, ge=1, le=100_000)
    sign_in_max_wait_s: float = Field(default=60.0, ge=1, le=3600)
    # scrypt cost for new password hashes; 2**14 is the interactive-login recommendation.
    password_scrypt_n: int = Field(default=2**14, ge=2**4)
    db_echo: bool = False
    # Every wait on PostgreSQL has a bound (the server's and the deliverer's processes; 0: none).
    # A statement waiting longer than db_lock_wait_s for a row or lock that another transaction
    # holds is refused (lock_timeout): the request gets 503 database_busy with Retry-After and
    # nothing is stored, instead of an operator's accept hanging behind a stuck transaction. A
    # transaction left open with nothing sent for db_idle_transaction_s (its process frozen, its
    # event loop stuck) is ended by PostgreSQL, and the rows it held are free again
    # (idle_in_transaction_session_timeout). A leader whose leadership connection sends nothing
    # for leader_stall_s (the same freeze; a live one checks it every second) loses it, and
    # another process takes its singletons over (idle_session_timeout; core/leadership.py).
    db_lock_wait_s: float = Field(default=10.0, ge=0, le=3600)
    db_idle_transaction_s: float = Field(default=60.0, ge=0, le=86_400)
    leader_stall_s: float = Field(default=5.0, ge=3, le=3600)
    # Intake (calls, text conversations, AML): a later SMS/e-mail from the same caller joins
    # the open conversation within this window; an AML message and a call of the same number
    # (or IMEI) match within this window; with a key set, HTTPS AML must carry a valid hmac.
    conversation_window_minutes: int = Field(default=30, ge=1, le=24 * 60)
    aml_match_window_minutes: int = Field(default=10, ge=1, le=24 * 60)
    aml_hmac_key: SecretStr | None = None
    # Call control (issue 26): the transfer directory (YAML; dispatch/control/directory.yaml
    # when unset), and how long a party asked onto a call may ring unanswered by the gateway
    # before the leg is given up (no_answer) and a colleague held for it is free again.
    transfer_directory: Path | None = None
    leg_ring_timeout_s: float = Field(default=60.0, ge=5, le=600)
    # Boundaries of regions and districts (geoBoundaries + OSM GeoJSON), read at load time.
    geo_data_dir: Path = DEFAULT_GEO_DATA_DIR
    # A point outside every district but this close to one resolves to it ("nearest").
    geo_tolerance_m: float = Field(default=2000.0, ge=0, le=50_000)
    # Incident suggestions while a card is filled: incidents of the last this many minutes
    # within this many metres of the card's point (or in its district at a similar address).
    incident_window_minutes: int = Field(default=180, ge=10, le=24 * 60)
    incident_radius_m: float = Field(default=500.0, ge=50, le=10_000)
    # Push cards to services' webhooks from this process (turn off on extra API-only workers).
    feed_worker: bool = True
    # Webhook retry backoff: base * 2**(attempt-1) seconds, capped.
    feed_retry_base_s: float = Field(default=1.0, gt=0, le=60)
    feed_retry_max_s: float = Field(default=300.0, gt=0, le=3600)
    feed_webhook_timeout_s: float = Field(default=10.0, gt=0, le=120)
    # ACD: hand out calls from this process (off: API only; tests drive assign_once by hand).
    queue_worker: bool = True
    # The ACD sleeps until its next timer or an event; it looks anyway at least this often
    # (clock seconds): the safety net for what another process changed without an event.
    queue_poll_s: float = Field(default=30.0, gt=0, le=3600)
    # Offers in a row an operator lets ring out before going on break (0: never); one miss
    # only rests them like a decline.
    queue_max_no_answer: int = Field(default=2, ge=0, le=100)
    # After declining an offer (or letting one ring out), no new offer for this long.
    queue_reject_delay_s: float = Field(default=10.0, ge=0, le=600)
    # An available operator without a console heartbeat this long leaves the rotation.
    operator_grace_s: float = Field(default=60.0, gt=0, le=3600)
    # Callbacks: the first attempt is due this long after the drop, the next ones this long
    # after a failed attempt; the operator who took the call gets it first while free (or in
    # that call's wrap-up), and the task waits up to callback_prefer_wait_s for them if busy.
    callback_first_delay_s: float = Field(default=0.0, ge=0, le=3600)
    callback_spacing_s: float = Field(default=60.0, ge=0, le=24 * 3600)
    callback_prefer_same_operator: bool = True
    callback_prefer_wait_s: float = Field(default=0.0, ge=0, le=3600)
    # A dial with no outcome recorded this long goes back to pending (the console was lost).
    callback_lease_s: float = Field(default=900.0, gt=0, le=24 * 3600)
    # Always (not only in surge): callbacks of unclassified calls wait behind new calls.
    callback_unclassified_after_calls: bool = False
    # The surge policy (issue 22): judged by the ACD every ``surge_recheck_s`` from staffing
    # (Erlang C, or callers waiting past the target with nobody free); in surge when short of
    # at least ``surge_shortfall`` operators. In surge no callback of an unclassified call is
    # dialled by an operator who could take a waiting call. ``surge_policy`` false: never
    # judged in surge by itself (a supervisor can still switch it on).
    surge_policy: bool = True
    surge_shortfall: int = Field(default=1, ge=1, le=10_000)
    surge_recheck_s: float = Field(default=10.0, gt=0, le=3600)
    # An automatic surge ends only this long (clock seconds) after it was last judged short:
    # one operator free for an instant, or a lull of a minute, does not end it.
    surge_hold_s: float = Field(default=180.0, ge=0, le=24 * 3600)
    # Target from the drop to the first attempt; a pending task due longer than this is overdue.
    callback_target_s: float = Field(default=10.0, gt=0, le=3600)
    # Caller feedback (issue 28): an SMS survey after a closed card of these channels and
    # outcomes (JSON lists in the environment), this long after the close, at most once per
    # number in survey_quiet_days; an SMS from the number within survey_reply_days may answer it.
    survey_enabled: bool = True
    survey_channels: tuple[Literal["voice", "video", "sms", "email"], ...] = ("voice", "sms")
    survey_outcomes: tuple[SurveyOutcome, ...] = ("dispatched", "advice_given", "referred")
    survey_delay_minutes: int = Field(default=30, ge=0, le=7 * 24 * 60)
    survey_quiet_days: int = Field(default=30, ge=0, le=3660)
    survey_reply_days: int = Field(default=3, ge=1, le=30)
    # Wellbeing (issue 29): after a traumatic call the operator is offered a break this long.
    wellbeing_break_minutes: int = Field(default=10, ge=1, le=120)
    # Consoles recompute every part this often anyway (events are the fast path; this is the
    # safety net for one that never came).
    console_refresh_s: float = Field(default=30.0, gt=0, le=86_400)
    # A console pings its server this often and gets a pong; the server closes a console
    # silent for three of these, and a console whose server is silent for two (the process
    # frozen, or the network dropping the connection without closing it) says it is
    # reconnecting and connects again, through the load balancer to a live process.
    console_heartbeat_s: float = Field(default=15.0, ge=1, le=60)
    # Websockets (consoles, the gateway) compressed per message (permessage-deflate) when the
    # client offers it. Off: a console's messages are small deltas on the centre's network, and
    # deflating each console's copy of every change cost the server a tenth of its fan-out
    # (BENCHMARKS.md, "Console fan-out"); on, for consoles behind a slow link.
    ws_compression: bool = False
    # A serving process freezes what it keeps (caches, connections, consoles) out of the
    # garbage collector's reach this long after its start, so full collections stop going over
    # them (``core.collector``); 0: only what the start itself made.
    gc_warm_up_s: float = Field(default=30.0, ge=0, le=86_400)
    # The supervisor console raises an alert for a call waiting (unanswered) longer than this.
    supervisor_wait_alert_s: float = Field(default=30.0, gt=0, le=3600)
    # Quality assurance: a call talked longer than this is flagged and always enters a
    # sampling plan; shifts are 12 hours, the day shift starting at this local hour.
    qa_long_handle_s: float = Field(default=600.0, gt=0, le=86_400)
    qa_shift_start_hour: int = Field(default=8, ge=0, le=11)
    # Analytics: the places rollup's marks (calls and cards changed since) are drained in the
    # background this often (wall seconds; 0: only by the reports), at most this many at once.
    analytics_drain_every_s: float = Field(default=5.0, ge=0, le=3600)
    analytics_drain_batch: int = Field(default=2000, ge=1, le=100_000)
    # The audit's sealer chains committed rows in id order, in the background: it looks every
    # audit_seal_every_s and seals the rows it saw at least audit_seal_margin_s ago (wall
    # seconds: a transaction that had its id then has committed by now, see audit/sealing.py).
    audit_sealer: bool = True
    audit_seal_every_s: float = Field(default=2.0, gt=0, le=3600)
    audit_seal_margin_s: float = Field(default=5.0, ge=0, le=3600)
    # Every seal appends an HMAC-signed line to a file in this folder (empty: none written);
    # the key is audit_key, or one derived from secret_key when unset.
    audit_checkpoint_dir: Path | None = Path("var/audit-checkpoints")
    audit_key: SecretStr | None = None
    # Attachments (callers' photos and video, operators' files): kept in the database, or as
    # files named by their SHA-256 in this folder when set; a larger file is refused (413).
    attachments_dir: Path | None = None
    attachment_max_bytes: int = Field(default=20 * 1024 * 1024, ge=1, le=512 * 1024 * 1024)
    # Migrations (and `migrate`) run with this URL when set: PostgreSQL's table owner, while the
    # server's own role may only insert into and read the audit tables (README, "The audit").
    migrate_database_url: str | None = None

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, url: str) -> str:
        """Accept plain ``postgresql://`` and ``sqlite://`` URLs and pick the async driver."""
        return _async_url(url, "DISPATCH_DATABASE_URL")

    @field_validator("migrate_database_url")
    @classmethod
    def _migrate_driver(cls, url: str | None) -> str | None:
        """The same URLs as ``database_url``; empty means none."""
        return _async_url(url, "DISPATCH_MIGRATE_DATABASE_URL") if url else None

    @field_validator("attachments_dir", mode="before")
    @classmethod
    def _attachments_in_database(cls, value: object) -> object:
        """An empty value keeps attachments in the database."""
        return None if value == "" else value

    @field_validator("audit_checkpoint_dir", mode="before")
    @classmethod
    def _no_checkpoints(cls, value: object) -> object:
        """An empty value turns the checkpoint files off."""
        return None if value == "" else value

    @field_validator("forwarded_allow_ips")
    @classmethod
    def _proxy_addresses(cls, value: str) -> str:
        """Only addresses, networks or "*": a typo must not silently trust nobody or everybody."""
        for item in (part.strip() for part in value.split(",")):
            if item and item != "*":
                try:
                    ipaddress.ip_network(item, strict=False)
                except ValueError as exc:
                    raise ValueError(
                        f"DISPATCH_FORWARDED_ALLOW_IPS: {item!r} is not an IP address or network"
                    ) from exc
        return value.strip()

    @property
    def trusted_proxies(self) -> list[str]:
        """The proxies to believe, as uvicorn's ProxyHeadersMiddleware takes them."""
        return [part.strip() for part in self.forwarded_allow_ips.split(",") if part.strip()]

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, name: str) -> str:
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {name!r}") from exc
        return name

    @model_validator(mode="after")
    def _safe_outside_dev(self) -> Self:
        if self.mode is not Mode.DEV:
            secret = self.secret_key.get_secret_value()
            if secret == DEV_SECRET_KEY or len(secret) < 32:
                raise SettingsError(
                    f"DISPATCH_SECRET_KEY must be set to a private value of at least 32 "
                    f"characters in {self.mode} mode (the built-in development key is refused)"
                )
        if self.audit_key is not None and len(self.audit_key.get_secret_value()) < 32:
            raise SettingsError("DISPATCH_AUDIT_KEY must be at least 32 characters when set")
        if self.time_scale != 1.0 and self.mode is not Mode.SIMULATION:
            raise SettingsError(
                "DISPATCH_TIME_SCALE may only differ from 1 when DISPATCH_MODE=simulation"
            )
        return self

    @property
    def tz(self) -> ZoneInfo:
        """The centre's local time zone (Asia/Tashkent)."""
        return ZoneInfo(self.timezone)

    @property
    def migration_url(self) -> str:
        """The URL migrations run with: the owner's when one is set."""
        return self.migrate_database_url or self.database_url

    @property
    def is_sqlite(self) -> bool:
        """True when the database is SQLite."""
        return self.database_url.startswith("sqlite")
