"""Talks to Rasa's web app channel (dialogue/channel.py: the REST channel's contract, with a token) and turns every way it can fail into an ApiError.

The timeout is a total deadline, not requests' per-read timeout: a server that trickles
bytes would otherwise hold a worker far past `rasa.timeout_seconds`. The body size is
capped too, since the answer is read into memory.
"""
import json
import logging
import time
import unicodedata
from urllib.parse import quote

import requests

from bot.errors import ApiError

log = logging.getLogger(__name__)

CONNECT_TIMEOUT = 2.0        # seconds; Rasa runs next to the web app
MAX_REPLY_BYTES = 2_000_000  # a real reply is a few kB


TRACKER_TIMEOUT = 2.0        # seconds, for the tracker read of offered_payloads


class RasaClient:
    def __init__(self, base_url: str, timeout: float, session: requests.Session | None = None,
                 token: str = ""):
        self.base_url = base_url
        self.webhook = f"{base_url}/webhooks/webapp/webhook"     # dialogue/channel.py
        self.timeout = timeout
        self.token = token
        self.session = session or requests.Session()

    def offered_payloads(self, sender: str) -> set[str]:
        """The button payloads of the bot messages since this sender's last message, read
        from Rasa's tracker (our channel's tracker route, needs rasa.token). Empty when nothing was offered,
        without a token, or when the tracker cannot be read: a payload is then sent as
        text, never as an intent."""
        if not self.token:
            return set()
        try:
            response = self.session.get(
                f"{self.base_url}/webhooks/webapp/tracker/{quote(sender, safe='')}",
                headers={"X-Conversation-Id": sender, "Authorization": f"Bearer {self.token}"},
                timeout=TRACKER_TIMEOUT)
            events = response.json().get("events") if response.status_code == 200 else None
        except (requests.RequestException, ValueError, AttributeError) as error:
            log.warning("cannot read the tracker to check a payload: %s", type(error).__name__)
            return set()
        payloads: set[str] = set()
        for event in reversed(events or []):
            if not isinstance(event, dict) or event.get("event") == "user":
                break
            if event.get("event") == "bot":
                buttons = (event.get("data") or {}).get("buttons") or []
                payloads.update(unicodedata.normalize("NFC", str(b["payload"]))
                                for b in buttons if isinstance(b, dict) and b.get("payload"))
        return payloads

    def send(self, sender: str, message: str) -> list:
        """The list of bot messages Rasa answers to `message` from `sender`."""
        deadline = time.monotonic() + self.timeout
        try:
            # X-Conversation-Id lets a load balancer keep a conversation on one Rasa
            # instance (deploy/README.md: Rasa 3.6's Redis lock store is not atomic).
            with self.session.post(self.webhook, json={"sender": sender, "message": message},
                                   headers={"X-Conversation-Id": sender, "Authorization": f"Bearer {self.token}"},
                                   timeout=(min(CONNECT_TIMEOUT, self.timeout), self.timeout),
                                   stream=True) as response:
                body = self._read(response, deadline)
                status = response.status_code
        except requests.ConnectTimeout as error:
            log.error("Rasa unreachable (connect timeout) at %s: %s", self.webhook, error)
            raise ApiError(503, "rasa_unavailable") from None
        except (requests.Timeout, _Deadline) as error:
            log.error("Rasa gave no answer within %.1f s at %s: %s", self.timeout, self.webhook, error)
            raise ApiError(504, "rasa_timeout") from None
        except requests.ConnectionError as error:
            # requests reports a read timeout in the middle of the body as a
            # ConnectionError: past the deadline it is slowness, not a closed port.
            if time.monotonic() >= deadline:
                log.error("Rasa reply cut by the %.1f s deadline at %s: %s", self.timeout, self.webhook, error)
                raise ApiError(504, "rasa_timeout") from None
            log.error("Rasa unreachable at %s: %s", self.webhook, error)
            raise ApiError(503, "rasa_unavailable") from None
        except requests.RequestException as error:
            log.error("request to Rasa failed at %s: %s", self.webhook, error)
            raise ApiError(502, "rasa_bad_response") from None
        if status == 503:
            log.error("Rasa answered 503 (not ready) at %s", self.webhook)
            raise ApiError(503, "rasa_unavailable")
        if status != 200:
            log.error("Rasa answered HTTP %s at %s: %.200r", status, self.webhook, body)
            raise ApiError(502, "rasa_bad_response")
        try:
            events = json.loads(body)
        except ValueError:
            log.error("Rasa answered something that is not JSON: %.200r", body)
            raise ApiError(502, "rasa_bad_response") from None
        if not isinstance(events, list):
            log.error("Rasa answered JSON that is not a list of messages: %.200r", body)
            raise ApiError(502, "rasa_bad_response")
        return events

    @staticmethod
    def _read(response: requests.Response, deadline: float) -> bytes:
        chunks, size = [], 0
        for chunk in response.iter_content(chunk_size=16384):
            chunks.append(chunk)
            size += len(chunk)
            if size > MAX_REPLY_BYTES:
                raise requests.RequestException(f"reply larger than {MAX_REPLY_BYTES} bytes")
            if time.monotonic() > deadline:
                raise _Deadline("reply still incomplete at the deadline")
        return b"".join(chunks)


class _Deadline(Exception):
    pass
