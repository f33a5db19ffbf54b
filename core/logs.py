"""Log lines of the assistant's own processes (web app, action server, retention job):
one JSON object per line on stderr, which the runner appends to var/log/<service>.log
and rotates (stack/runner.py: copy and truncate above logging.max_mb, keeping
logging.keep files).

    {"time": "2026-12-06T05:00:00.123Z", "level": "INFO", "logger": "bot.chat",
     "message": "answered message 3f… kind=target sources=1"}

No line carries what a user wrote: the code logs ids, kinds, counts and error types
(tests/test_privacy_abuse.py searches every log for the personal data it sent).
logging.format "text" gives the former plain lines (settings.yml)."""
import json
import logging
import sys
import time

from core import settings


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        created = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
        data = {"time": f"{created}.{int(record.msecs):03d}Z", "level": record.levelname,
                "logger": record.name, "message": record.getMessage()}
        if record.exc_info:
            data["error"] = self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False)


def configure(level: int = logging.INFO) -> None:
    """The root logger writes to stderr, as JSON unless logging.format is "text"."""
    handler = logging.StreamHandler(sys.stderr)
    if str(settings.get("logging", "format", "json")) == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=level, handlers=[handler], force=True)
