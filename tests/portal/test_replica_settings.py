"""READ_DATABASE_URL's settings and WAL positions, without a standby (the standby itself:
tests/staff_admin/test_read_replica.py)."""

from __future__ import annotations

import pytest
from litestar.testing import TestClient

from portal.kernel.replica import lsn_number
from portal.kernel.settings import Settings, SettingsError

BASE = {"SECRET_KEY": "s" * 40, "DATABASE_URL": "postgresql://rating@10.0.0.20/rating"}


def test_it_reads_everything_from_the_primary_unless_a_standby_is_set() -> None:
    settings = Settings.from_env(BASE)
    assert settings.read_database_url is None
    assert (settings.read_max_lag_seconds, settings.read_check_seconds) == (30.0, 1.0)
    standby = Settings.from_env(
        {
            **BASE,
            "READ_DATABASE_URL": "postgresql://rating_read@10.0.0.21/rating",
            "READ_MAX_LAG_SECONDS": "5",
            "READ_CHECK_SECONDS": "0.5",
        }
    )
    assert standby.read_database_url == "postgresql://rating_read@10.0.0.21/rating"
    assert (standby.read_max_lag_seconds, standby.read_check_seconds) == (5.0, 0.5)


@pytest.mark.parametrize(
    "bad",
    [
        {"READ_DATABASE_URL": "sqlite:///var/replica.db"},
        {"DATABASE_URL": "sqlite://", "READ_DATABASE_URL": "postgresql://rating_read@10.0.0.21/rating"},
        {"READ_MAX_LAG_SECONDS": "-1"},
        {"READ_MAX_LAG_SECONDS": "nan"},
        {"READ_CHECK_SECONDS": "soon"},
    ],
)
def test_it_refuses_a_standby_setting_it_cannot_use(bad: dict[str, str]) -> None:
    with pytest.raises(SettingsError, match="READ_"):
        Settings.from_env({**BASE, **bad})


def test_it_reads_wal_positions_as_byte_offsets() -> None:
    assert lsn_number("0/0") == 0
    assert lsn_number("0/3016038") == 0x3016038
    assert lsn_number("16/B374D848") == (0x16 << 32) + 0xB374D848
    assert lsn_number("1/0") > lsn_number("0/FFFFFFFF")


def test_it_has_no_replica_on_health_without_a_standby(client: TestClient) -> None:
    assert client.get("/health").json() == {"status": "ok", "database": "ok"}
