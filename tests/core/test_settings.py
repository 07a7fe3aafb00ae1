"""Settings refuse what would be unsafe or cannot work, with a message naming the variable."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from dispatch.core.settings import Mode, Settings, SettingsError

GOOD_SECRET = "x" * 40


def test_dev_defaults_run_on_sqlite() -> None:
    settings = Settings()
    assert settings.mode is Mode.DEV
    assert settings.is_sqlite
    assert settings.port == 8112
    assert str(settings.tz) == "Asia/Tashkent"


@pytest.mark.parametrize("mode", ["production", "simulation"])
def test_default_secret_is_refused_outside_dev(mode: str) -> None:
    with pytest.raises(ValidationError, match="DISPATCH_SECRET_KEY"):
        Settings(mode=mode)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="at least 32"):
        Settings(mode=mode, secret_key="short")  # type: ignore[arg-type]
    assert Settings(mode=mode, secret_key=GOOD_SECRET).mode == mode  # type: ignore[arg-type]


def test_time_scale_only_in_simulation() -> None:
    with pytest.raises(ValidationError, match="DISPATCH_TIME_SCALE"):
        Settings(time_scale=60)
    with pytest.raises(ValidationError, match="DISPATCH_TIME_SCALE"):
        Settings(mode=Mode.PRODUCTION, secret_key=GOOD_SECRET, time_scale=60)  # type: ignore[arg-type]
    assert Settings(mode=Mode.SIMULATION, secret_key=GOOD_SECRET, time_scale=60).time_scale == 60  # type: ignore[arg-type]


def test_settings_error_is_a_value_error() -> None:
    assert issubclass(SettingsError, ValueError)


def test_environment_variables_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISPATCH_DATABASE_URL", "postgresql://u:p@db.local:5432/d112")
    monkeypatch.setenv("DISPATCH_PORT", "9000")
    settings = Settings()
    assert settings.database_url == "postgresql+asyncpg://u:p@db.local:5432/d112"
    assert settings.port == 9000
    assert not settings.is_sqlite


@pytest.mark.parametrize(
    ("field", "value", "fragment"),
    [
        ("database_url", "mysql://x/y", "DISPATCH_DATABASE_URL"),
        ("timezone", "Mars/Olympus", "unknown time zone"),
        ("port", 0, "greater than or equal"),
        ("forwarded_allow_ips", "10.0.0.1, lb.local", "'lb.local' is not an IP address"),
        ("migrate_database_url", "mysql://x/y", "DISPATCH_MIGRATE_DATABASE_URL"),
        ("audit_key", "short", "DISPATCH_AUDIT_KEY must be at least 32"),
    ],
)
def test_unusable_values_are_named(field: str, value: object, fragment: str) -> None:
    with pytest.raises(ValidationError, match=fragment):
        Settings.model_validate({field: value})


def test_trusted_proxies_are_addresses_or_networks() -> None:
    assert Settings().trusted_proxies == []  # nobody's forwarded headers by default
    proxies = Settings(forwarded_allow_ips=" 10.0.0.5, 172.16.0.0/12,::1 ").trusted_proxies
    assert proxies == ["10.0.0.5", "172.16.0.0/12", "::1"]


def test_sqlite_url_gets_the_async_driver() -> None:
    assert (
        Settings(database_url="sqlite:///var/x.db").database_url == "sqlite+aiosqlite:///var/x.db"
    )


def test_audit_checkpoints_default_under_var_and_an_empty_value_turns_them_off(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("DISPATCH_AUDIT_CHECKPOINT_DIR", raising=False)
    assert Settings().audit_checkpoint_dir == Path("var/audit-checkpoints")
    monkeypatch.setenv("DISPATCH_AUDIT_CHECKPOINT_DIR", "")
    assert Settings().audit_checkpoint_dir is None


def test_migrations_run_with_the_owners_url_when_one_is_set() -> None:
    plain = Settings(database_url="postgresql://app@db/d112")
    assert plain.migration_url == "postgresql+asyncpg://app@db/d112"
    owner = Settings(
        database_url="postgresql://app@db/d112", migrate_database_url="postgresql://owner@db/d112"
    )
    assert owner.migration_url == "postgresql+asyncpg://owner@db/d112"
    assert owner.database_url == "postgresql+asyncpg://app@db/d112"
