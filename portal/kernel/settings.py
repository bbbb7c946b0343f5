"""Configuration from environment variables, parsed strictly: a bad value stops the app at start."""

from __future__ import annotations

import ipaddress
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

REPO_ROOT = Path(__file__).resolve().parents[2]
LANGUAGES = ("id", "en")


class SettingsError(ValueError):
    """Raised with a message naming the variable that is wrong."""


def _int(env: Mapping[str, str], name: str, default: int, minimum: int = 0) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be an integer, got {raw!r}") from None
    if value < minimum:
        raise SettingsError(f"{name} must be at least {minimum}, got {value}")
    return value


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return float(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a number, got {raw!r}") from None


def _seconds(env: Mapping[str, str], name: str, default: float) -> float:
    value = _float(env, name, default)
    if not 0 <= value < float("inf"):
        raise SettingsError(f"{name} must be a number of seconds, 0 or more, got {env.get(name)!r}")
    return value


def _is_postgresql(url: str) -> bool:
    return url.startswith(("postgres://", "postgresql://", "postgresql+psycopg://"))


def _choice(env: Mapping[str, str], name: str, default: str, choices: tuple[str, ...]) -> str:
    value = env.get(name) or default
    if value not in choices:
        raise SettingsError(f"{name} must be one of {', '.join(choices)}, got {value!r}")
    return value


def _flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = (env.get(name) or "").strip().lower()
    if not raw:
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise SettingsError(f"{name} must be true or false (1/0, yes/no, on/off), got {env.get(name)!r}")


def _timezone(env: Mapping[str, str], name: str, default: str) -> str:
    value = env.get(name) or default
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError(
            f"{name} must be an IANA time zone such as Asia/Makassar, got {value!r}"
        ) from None
    return value


def _networks(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    parts = tuple(p.strip() for p in (env.get(name) or "").split(",") if p.strip())
    for part in parts:
        if part == "*":
            continue
        try:
            ipaddress.ip_network(part, strict=False)
        except ValueError:
            raise SettingsError(f"{name} must list IP networks (or *), got {part!r}") from None
    return parts


SMTP_SCHEMES = ("smtp", "smtp+starttls", "smtps")


def _smtp_url(env: Mapping[str, str], name: str) -> str:
    value = (env.get(name) or "").strip()
    if not value:
        return ""
    parts = urlsplit(value)
    try:
        parts.port  # noqa: B018 (a bad port raises)
    except ValueError:
        raise SettingsError(f"{name} has a bad port") from None
    if parts.scheme not in SMTP_SCHEMES or not parts.hostname:
        # never echo the value: it may hold the password
        raise SettingsError(
            f"{name} must look like smtp+starttls://user:password@host:587 ({', '.join(SMTP_SCHEMES)})"
        )
    return value


def _mail_from(env: Mapping[str, str]) -> str:
    value = (env.get("MAIL_FROM") or "").strip()
    if env.get("SMTP_URL", "").strip() and "@" not in value:
        raise SettingsError("MAIL_FROM must be an e-mail address when SMTP_URL is set")
    return value


def _share(env: Mapping[str, str], name: str, default: float) -> float:
    value = _float(env, name, default)
    if not 0 < value < 1:
        raise SettingsError(f"{name} must be between 0 and 1 (e.g. 0.5), got {value}")
    return value


def _dev_secret(var_dir: Path) -> str:
    """A per-checkout key so `make run` works out of the box; production must set SECRET_KEY."""
    path = var_dir / "secret_key"
    if not path.exists():
        var_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


@dataclass(frozen=True)
class Settings:
    database_url: str
    secret_key: str
    env: str = "development"
    base_url: str = "http://127.0.0.1:8000"
    host: str = "127.0.0.1"
    port: int = 8000
    default_language: str = "id"
    # Peers whose X-Forwarded-For we believe (a load balancer): networks, or "*" for any peer.
    trusted_proxies: tuple[str, ...] = ()
    # Citizen flow
    form_max_age_seconds: int = 2 * 3600
    device_throttle_seconds: int = 15 * 60
    submit_flood_limit_per_minute: int = 60
    # How long a worker process shows a counter's page (names, officer on duty) without reading it
    # again; 0 reads it on every scan (portal.citizen.kept_pages)
    counter_page_seconds: int = 5
    # The two requests of nearly every citizen (the poster's form, the rating) answered in front of
    # the web framework's request machinery, as its handlers answer them (portal.citizen.hotpath);
    # off, the framework answers every request
    hot_path: bool = True
    # Proof-of-presence channels (docs/channels.md)
    kiosk_step_seconds: int = 30
    kiosk_grace_seconds: int = 60
    # A form opened from a kiosk code is sent within this time, and one code opens this many forms
    # (a photo of the screen passed around stops at that); the poster's form keeps form_max_age_seconds.
    kiosk_form_max_age_seconds: int = 10 * 60
    kiosk_forms_per_code: int = 10
    ticket_ttl_seconds: int = 24 * 3600
    api_rate_limit_per_minute: int = 120
    # Scoring (documented in docs/scoring.md); periods are calendar days in this zone
    period_timezone: str = "Asia/Jakarta"
    officer_min_ratings: int = 30
    officer_prior_weight: float = 10.0
    skp_above_threshold: float = 88.31
    skp_below_threshold: float = 76.61
    # which officer score the SKP category is decided on: raw (the documented score) or adjusted (for
    # channel and counter mix; docs/scoring.md)
    skp_score: str = "raw"
    # Staff area: sessions and sign-in throttling
    staff_session_idle_seconds: int = 3600
    staff_session_max_seconds: int = 12 * 3600
    login_window_seconds: int = 15 * 60
    login_failures_per_account: int = 5
    login_failures_per_network: int = 20
    # Complaints: due date in working days (Mon-Fri) after opening; contact details kept this many
    # days after the case closes, then deleted by `rating-portal purge-contacts`
    complaint_due_working_days: int = 5
    contact_retention_days: int = 90
    # Operations: device and network hashes of ratings are removed this many days after submission by
    # `rating-portal retention` (longer than any scoring period); JSON access log on standard error
    hash_retention_days: int = 400
    access_log: bool = True
    # E-mail (staff_admin.mail): smtp://, smtp+starttls:// or smtps://user:password@host:port; empty
    # keeps alerts in the app only. MAIL_FROM is the sender every mail carries.
    smtp_url: str = field(default="", repr=False)
    mail_from: str = ""
    smtp_timeout_seconds: int = 20
    mail_max_attempts: int = 12  # a mail failing this often is given up (the alert stays in the app)
    # Alerts (staff_admin.alerts, `rating-portal alerts`): a counter whose last ratings (at most
    # ALERT_LOW_LAST_RATINGS, within ALERT_LOW_WINDOW_MINUTES, at least ALERT_LOW_MIN_RATINGS of them)
    # hold more than ALERT_LOW_SHARE ratings of 1 or 2; detector incidents with a rating in the last
    # ALERT_INCIDENT_DAYS days; grade falls in periods scored in the last ALERT_GRADE_DAYS days
    alert_low_share: float = 0.5
    alert_low_last_ratings: int = 20
    alert_low_window_minutes: int = 60
    alert_low_min_ratings: int = 5
    alert_incident_days: int = 2
    alert_grade_days: int = 7
    # A PostgreSQL hot standby that the read-only staff pages, exports and /publik read from
    # (portal.kernel.replica); None reads everything from the primary. Beyond the lag, reads go to the
    # primary; the standby's state is measured at most this often per worker process.
    read_database_url: str | None = None
    read_max_lag_seconds: float = 30.0
    read_check_seconds: float = 1.0
    extra: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        app_env = _choice(env, "APP_ENV", "development", ("development", "production", "test"))
        var_dir = Path(env.get("VAR_DIR") or REPO_ROOT / "var")
        secret = env.get("SECRET_KEY", "")
        if not secret:
            if app_env == "production":
                raise SettingsError("SECRET_KEY must be set when APP_ENV=production")
            secret = _dev_secret(var_dir)
        if len(secret) < 32:
            raise SettingsError("SECRET_KEY must be at least 32 characters")
        host = env.get("HOST") or "127.0.0.1"
        port = _int(env, "PORT", 8000, minimum=1)
        base_url = (env.get("BASE_URL") or f"http://{host}:{port}").rstrip("/")
        if not base_url.startswith(("http://", "https://")):
            raise SettingsError(f"BASE_URL must start with http:// or https://, got {base_url!r}")
        below = _float(env, "SKP_BELOW_THRESHOLD", 76.61)
        above = _float(env, "SKP_ABOVE_THRESHOLD", 88.31)
        if not 25 <= below < above <= 100:
            raise SettingsError(
                "SKP thresholds must satisfy 25 <= SKP_BELOW_THRESHOLD < SKP_ABOVE_THRESHOLD <= 100"
            )
        database_url = env.get("DATABASE_URL") or f"sqlite:///{var_dir / 'portal.db'}"
        read_database_url = env.get("READ_DATABASE_URL") or None
        if read_database_url and not all(_is_postgresql(url) for url in (database_url, read_database_url)):
            raise SettingsError("READ_DATABASE_URL needs PostgreSQL for both it and DATABASE_URL")
        return cls(
            database_url=database_url,
            secret_key=secret,
            env=app_env,
            base_url=base_url,
            host=host,
            port=port,
            default_language=_choice(env, "DEFAULT_LANGUAGE", "id", LANGUAGES),
            trusted_proxies=_networks(env, "TRUSTED_PROXIES"),
            form_max_age_seconds=_int(env, "FORM_MAX_AGE_SECONDS", 2 * 3600, minimum=60),
            device_throttle_seconds=_int(env, "DEVICE_THROTTLE_SECONDS", 15 * 60),
            submit_flood_limit_per_minute=_int(env, "SUBMIT_FLOOD_LIMIT_PER_MINUTE", 60, minimum=1),
            counter_page_seconds=_int(env, "COUNTER_PAGE_SECONDS", 5),
            hot_path=_flag(env, "HOT_PATH", True),
            kiosk_step_seconds=_int(env, "KIOSK_STEP_SECONDS", 30, minimum=10),
            kiosk_grace_seconds=_int(env, "KIOSK_GRACE_SECONDS", 60),
            kiosk_form_max_age_seconds=_int(env, "KIOSK_FORM_SECONDS", 10 * 60, minimum=60),
            kiosk_forms_per_code=_int(env, "KIOSK_FORMS_PER_CODE", 10, minimum=1),
            ticket_ttl_seconds=_int(env, "TICKET_TTL_SECONDS", 24 * 3600, minimum=60),
            api_rate_limit_per_minute=_int(env, "API_RATE_LIMIT_PER_MINUTE", 120, minimum=1),
            officer_min_ratings=_int(env, "OFFICER_MIN_RATINGS", 30, minimum=1),
            period_timezone=_timezone(env, "PERIOD_TIMEZONE", "Asia/Jakarta"),
            officer_prior_weight=_float(env, "OFFICER_PRIOR_WEIGHT", 10.0),
            skp_above_threshold=above,
            skp_below_threshold=below,
            skp_score=_choice(env, "SKP_SCORE", "raw", ("raw", "adjusted")),
            staff_session_idle_seconds=_int(env, "STAFF_SESSION_IDLE_SECONDS", 3600, minimum=60),
            staff_session_max_seconds=_int(env, "STAFF_SESSION_MAX_SECONDS", 12 * 3600, minimum=60),
            login_window_seconds=_int(env, "LOGIN_WINDOW_SECONDS", 15 * 60, minimum=60),
            login_failures_per_account=_int(env, "LOGIN_FAILURES_PER_ACCOUNT", 5, minimum=1),
            login_failures_per_network=_int(env, "LOGIN_FAILURES_PER_NETWORK", 20, minimum=1),
            complaint_due_working_days=_int(env, "COMPLAINT_DUE_WORKING_DAYS", 5, minimum=1),
            contact_retention_days=_int(env, "CONTACT_RETENTION_DAYS", 90, minimum=1),
            hash_retention_days=_int(env, "HASH_RETENTION_DAYS", 400, minimum=1),
            access_log=_flag(env, "ACCESS_LOG", True),
            smtp_url=_smtp_url(env, "SMTP_URL"),
            mail_from=_mail_from(env),
            smtp_timeout_seconds=_int(env, "SMTP_TIMEOUT_SECONDS", 20, minimum=1),
            mail_max_attempts=_int(env, "MAIL_MAX_ATTEMPTS", 12, minimum=1),
            alert_low_share=_share(env, "ALERT_LOW_SHARE", 0.5),
            alert_low_last_ratings=_int(env, "ALERT_LOW_LAST_RATINGS", 20, minimum=1),
            alert_low_window_minutes=_int(env, "ALERT_LOW_WINDOW_MINUTES", 60, minimum=1),
            alert_low_min_ratings=_int(env, "ALERT_LOW_MIN_RATINGS", 5, minimum=1),
            alert_incident_days=_int(env, "ALERT_INCIDENT_DAYS", 2, minimum=1),
            alert_grade_days=_int(env, "ALERT_GRADE_DAYS", 7, minimum=1),
            read_database_url=read_database_url,
            read_max_lag_seconds=_seconds(env, "READ_MAX_LAG_SECONDS", 30.0),
            read_check_seconds=_seconds(env, "READ_CHECK_SECONDS", 1.0),
        )

    def with_(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]

    @classmethod
    def variables(cls) -> list[str]:
        return [f.name.upper() for f in fields(cls) if f.name != "extra"]
