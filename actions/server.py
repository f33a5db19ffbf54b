"""Run the action server in one process: `python -m actions.server [--port N]`.

rasa-sdk's own launcher (`python -m rasa_sdk`) hands the app to Sanic's worker
manager, which re-imports the actions in a spawned worker: the embedding model and
the index would be loaded twice (about 1 GB each), and Sanic refuses to start once
PyTorch has touched multiprocessing. One process that loads everything once is what
this machine needs; to scale out, run more of them behind a load balancer
(deploy/README.md).
"""
import argparse
import logging
from urllib.parse import urlparse

from rasa_sdk.endpoint import create_app
from rasa_sdk.executor import ActionExecutor

from actions import operator_api
from core import settings


def main() -> None:
    url = urlparse(settings.get("actions", "url"))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default=url.hostname or "127.0.0.1")
    parser.add_argument("--port", type=int, default=url.port or 5055)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    executor = ActionExecutor()
    executor.register_package("actions")
    app = create_app(executor, cors_origins=[])
    operator_api.install(app)       # embeddings and answer previews for the admin area
    app.run(host=args.host, port=args.port, single_process=True, access_log=False, motd=False)


if __name__ == "__main__":
    main()
