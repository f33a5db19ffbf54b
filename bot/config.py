"""Typed settings of the web app, read once per app from core.settings.

core.settings returns strings for environment overrides (HTS_WEB_PORT="8000"), so
every value is coerced here, in one place. `create_app(overrides)` may replace any key
as "section.key" (or a nested {"section": {"key": ...}} dict), which is how the tests
point one app at a closed port or a read-only database without touching os.environ.
"""
from dataclasses import dataclass
from pathlib import Path

from core import settings

# The longest question accepted by POST /api/chat, in characters after cleaning
# (NFC, control characters removed). Longer ones get 413. Overridable with the
# setting web.max_message_chars; the widget's textarea uses the same default.
DEFAULT_MAX_MESSAGE_CHARS = 1000

_TRUE = {"1", "true", "yes", "on", "y"}


def _flatten(overrides: dict | None) -> dict[str, object]:
    flat: dict[str, object] = {}
    for key, value in (overrides or {}).items():
        if isinstance(value, dict) and "." not in key:
            for inner, inner_value in value.items():
                flat[f"{key}.{inner}"] = inner_value
        else:
            flat[key] = value
    return flat


def _as_bool(value) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in _TRUE


def _as_list(value) -> list[str]:
    """A list setting: a YAML list, or a comma-separated string (environment)."""
    if value is None:
        return []
    items = value if isinstance(value, (list, tuple)) else str(value).split(",")
    return [str(item).strip().rstrip("/") for item in items if str(item).strip()]


@dataclass(frozen=True)
class WebConfig:
    host: str
    port: int
    rasa_url: str
    rasa_token: str
    rasa_timeout: float
    actions_url: str
    cors_origins: tuple[str, ...]
    rate_limit_per_minute: int
    ratelimit_storage_uri: str
    admin_failures_per_minute: int
    trusted_proxy: bool
    database: Path
    admin_token: str
    operators_file: str
    max_message_chars: int
    readiness_timeout: float
    public_url: str
    session_secret: str
    session_hours: float
    unsigned_senders: str


def load_config(overrides: dict | None = None) -> WebConfig:
    flat = _flatten(overrides)

    def get(section: str, key: str, default=None):
        name = f"{section}.{key}"
        return flat[name] if name in flat else settings.get(section, key, default)

    return WebConfig(
        host=str(get("web", "host", "127.0.0.1")),
        port=int(get("web", "port", 8000)),
        rasa_url=str(get("rasa", "url", "http://127.0.0.1:5005")).rstrip("/"),
        rasa_token=str(get("rasa", "token", "") or ""),
        rasa_timeout=float(get("rasa", "timeout_seconds", 10)),
        actions_url=str(get("actions", "url", "http://127.0.0.1:5055")).rstrip("/"),
        cors_origins=tuple(_as_list(get("web", "cors_origins", []))),
        rate_limit_per_minute=int(get("web", "rate_limit_per_minute", 60)),
        ratelimit_storage_uri=str(get("web", "ratelimit_storage_uri", "memory://") or "memory://"),
        admin_failures_per_minute=int(get("web", "admin_failures_per_minute", 5)),
        trusted_proxy=_as_bool(get("web", "trusted_proxy", False)),
        database=settings.project_path(str(get("web", "database", "var/assistant.sqlite3"))),
        admin_token=str(get("web", "admin_token", "") or ""),
        # Operator accounts by name (bot/operators.py); "" = only the shared token.
        operators_file=str(settings.project_path(str(of))) if (of := get("web", "operators_file", "")) else "",
        max_message_chars=int(get("web", "max_message_chars", DEFAULT_MAX_MESSAGE_CHARS)),
        # Each readiness probe (Rasa, action server) waits at most this long.
        readiness_timeout=min(float(get("web", "readiness_timeout_seconds", 2)), 2.0),
        # Where the demo page loads the widget from ("" = this server, a relative URL);
        # never taken from the request's Host header.
        public_url=str(get("web", "public_url", "") or "").rstrip("/"),
        # Signed session ids (bot/sessions.py).
        session_secret=str(get("web", "session_secret", "") or ""),
        session_hours=float(get("web", "session_hours", 24)),
        unsigned_senders=_one_of(str(get("web", "unsigned_senders", "loopback")), ("never", "loopback"),
                                 "web.unsigned_senders"),
    )


def _one_of(value: str, allowed: tuple[str, ...], name: str) -> str:
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(allowed)}, not {value!r}")
    return value
