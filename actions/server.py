"""Run the action server in one process: `python -m actions.server [--port N]`.

rasa-sdk's own launcher (`python -m rasa_sdk`) hands the app to Sanic's worker
manager, which re-imports the actions in a spawned worker: the embedding model and
the index would be loaded twice (about 1 GB each), and Sanic refuses to start once
PyTorch has touched multiprocessing. One process that loads everything once is what
this machine needs; to scale out, run more of them behind a load balancer
(deploy/README.md).
"""
import argparse
import hashlib
import hmac
import logging
import os
from urllib.parse import urlparse

from rasa_sdk.endpoint import create_app
from rasa_sdk.executor import ActionExecutor

from actions import operator_api
from core import settings


def require_token(app, token: str) -> None:
    """Only Rasa may call the actions: POST /webhook needs `Authorization: Bearer <token>`
    (HTS_RASA_TOKEN, which the runner gives Rasa in its endpoints file: the
    action_endpoint's headers), 401 otherwise; /health stays open for readiness checks.
    Without a token (a developer running the server by hand) every call is let through
    and a warning says so."""
    if not token:
        logging.getLogger(__name__).warning("HTS_RASA_TOKEN is empty: the action server accepts any caller")
        return
    expected = hashlib.sha256(token.encode("utf-8")).digest()

    @app.on_request
    async def _check(request):
        from sanic import response

        if request.path.rstrip("/") != "/webhook":
            return None
        scheme, _, given = (request.headers.get("Authorization") or "").partition(" ")
        digest = hashlib.sha256(given.strip().encode("utf-8", "replace")).digest()
        if scheme.lower() != "bearer" or not hmac.compare_digest(digest, expected):
            return response.json({"error": "unauthorized"}, status=401)
        return None


def main() -> None:
    url = urlparse(settings.get("actions", "url"))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default=url.hostname or "127.0.0.1")
    parser.add_argument("--port", type=int, default=url.port or 5055)
    args = parser.parse_args()
    from core import logs

    logs.configure()

    executor = ActionExecutor()
    executor.register_package("actions")
    app = create_app(executor, cors_origins=[])
    require_token(app, os.environ.get("HTS_RASA_TOKEN", ""))
    operator_api.install(app)       # embeddings and answer previews for the admin area
    app.run(host=args.host, port=args.port, single_process=True, access_log=False, motd=False)


if __name__ == "__main__":
    main()
