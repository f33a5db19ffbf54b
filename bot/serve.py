"""Production server of the web app: waitress (ZPL 2.1), one process.

    .venv/bin/python -m bot.serve          (web.host:web.port, settings.yml / HTS_*)

Why waitress: its I/O thread reads each request whole — headers and body — before a
worker thread sees it, and it writes answers out from a buffer, so a client that sends
its headers and then nothing, trickles its body or never reads the answer holds a
socket, not one of the web.threads threads: other users keep being answered (issue
13; tests/test_privacy_abuse.py opens 50 such connections). Idle connections are closed
after web.channel_timeout_seconds; at most web.connection_limit are open at once (more
wait in the listen backlog). Bodies above MAX_REQUEST_BYTES (the upload limit,
web.max_upload_mb, plus 1 MB of form overhead) are refused by waitress itself; the app
refuses bodies above 64 KB with its own JSON 413 (bot/app.py), except the admin upload,
which takes the upload limit (bot/admin.py).

Files the web app creates (its SQLite database) are private to the owner (umask 077).
"""
import logging
import os

from waitress import serve

from bot.app import create_app
from core import settings

from index.publish import MAX_UPLOAD_BYTES

MAX_REQUEST_BYTES = MAX_UPLOAD_BYTES + 1024 * 1024


def main() -> None:
    from core import logs

    logs.configure()
    os.umask(0o077)
    app = create_app()
    config = app.config["HTS"]
    serve(app, host=config.host, port=config.port,
          threads=int(settings.get("web", "threads", 8)),
          connection_limit=int(settings.get("web", "connection_limit", 1000)),
          channel_timeout=int(float(settings.get("web", "channel_timeout_seconds", 20))),
          cleanup_interval=5,
          asyncore_use_poll=True,           # no select() limit of 1024 descriptors
          max_request_body_size=MAX_REQUEST_BYTES,
          expose_tracebacks=False, ident="hatangso")


if __name__ == "__main__":
    main()
