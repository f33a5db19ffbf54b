"""Rasa's input channel for the web app only (credentials.yml), in place of the open REST
channel: POST /webhooks/webapp/webhook {"sender", "message"} -> [bot messages], as
Rasa's REST channel answers, but

- only with `Authorization: Bearer <HTS_RASA_TOKEN>` (the token the runner makes per
  start and gives the web app; compared in constant time): anything else on this
  machine, or beyond, gets 401 and never reaches the tracker store;
- the message is masked again (bot/text.py scrub, idempotent) before Rasa sees it, so
  no caller can skip the masking;
- GET /webhooks/webapp/tracker/<sender> (same token, in the header: never in a URL)
  gives the events of the conversation since its last restart, which the web app reads
  to know which buttons it offered (bot/rasa_client.py);
- a failure (a LockError, a timeout) is logged with its type and no message text
  (Rasa's REST channel logs the text).

Without a token (HTS_RASA_TOKEN unset or empty) every request is refused.
"""
import hashlib
import hmac
import logging
import os
from asyncio import CancelledError
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request

from bot.text import scrub

log = logging.getLogger(__name__)


class WebAppInput(InputChannel):
    def __init__(self, token: str = ""):
        self.token = token

    @classmethod
    def name(cls) -> Text:
        return "webapp"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "WebAppInput":
        return cls(str((credentials or {}).get("token") or os.environ.get("HTS_RASA_TOKEN", "")))

    def authorized(self, request: Request) -> bool:
        scheme, _, given = (request.headers.get("Authorization") or "").partition(" ")
        digest = hashlib.sha256(given.strip().encode("utf-8", "replace")).digest()
        return bool(self.token) and scheme.lower() == "bearer" and \
            hmac.compare_digest(digest, hashlib.sha256(self.token.encode("utf-8")).digest())

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("webapp_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(request: Request):
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request):
            if not self.authorized(request):
                log.warning("webapp channel: a request without the right token refused")
                return response.json({"error": "unauthorized"}, status=401)
            body = request.json if isinstance(request.json, dict) else {}
            sender, text = body.get("sender"), body.get("message")
            if not isinstance(sender, str) or not isinstance(text, str):
                return response.json({"error": "sender and message must be strings"}, status=400)
            collector = CollectingOutputChannel()
            try:
                await on_new_message(UserMessage(scrub(text), collector, sender, input_channel=self.name()))
            except CancelledError:
                log.error("webapp channel: the message was not handled in time")
            except Exception as error:        # the type only: the text may hold what the user wrote
                log.error("webapp channel: handling the message failed (%s)", type(error).__name__)
            return response.json(collector.messages)

        @webhook.route("/tracker/<sender>", methods=["GET"])
        async def tracker(request: Request, sender: str):
            if not self.authorized(request):
                return response.json({"error": "unauthorized"}, status=401)
            found = await request.app.ctx.agent.tracker_store.retrieve(sender)
            events = [event.as_dict() for event in found.events_after_latest_restart()] if found else []
            return response.json({"events": events})

        return webhook
