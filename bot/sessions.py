"""Sessions the server issues: POST /api/session gives the widget a sender id signed by
the web app (HMAC-SHA256, with an expiry), and POST /api/chat accepts only such ids.

    s1.<16 hex random>.<expiry, epoch seconds>.<22 characters: HMAC, base64url>

An id is a bearer secret of one conversation: nobody can guess another user's, nor make
one up ("default", "web-1") to read another conversation's context or answer its
pending clarification. The key is web.session_secret; empty: a random key per web app
start (a restart then ends the sessions, the widget asks for a new one). Instances
behind one load balancer must share it. Expiry: web.session_hours (default 24).

Ids the server did not issue (web.unsigned_senders): "never" refuses them (401
invalid_session; the deployment profiles set it); "loopback" (the default) accepts them
from this machine only (127.0.0.1, ::1), for the evaluation script
(shared/eval/score.py) and tests that run beside the stack; a client elsewhere gets 401.
"""
import base64
import hashlib
import hmac
import ipaddress
import re
import secrets
import time

from flask import Blueprint, current_app, jsonify, request

from bot.errors import ApiError

bp = Blueprint("sessions", __name__)

_SIGNED = re.compile(r"s1\.([0-9a-f]{16})\.(\d{10})\.([A-Za-z0-9_-]{22})")
UNSIGNED_MODES = ("never", "loopback")


class Signer:
    def __init__(self, secret: str, hours: float):
        self.key = (secret or secrets.token_hex(32)).encode("utf-8")
        self.seconds = int(hours * 3600)

    def _mac(self, nonce: str, expiry: str) -> str:
        digest = hmac.new(self.key, f"s1.{nonce}.{expiry}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest[:16]).decode().rstrip("=")

    def issue(self, now: float | None = None) -> str:
        nonce, expiry = secrets.token_hex(8), str(int((now or time.time()) + self.seconds))
        return f"s1.{nonce}.{expiry}.{self._mac(nonce, expiry)}"

    def valid(self, sender: str, now: float | None = None) -> bool:
        """Whether `sender` was issued with this key and has not expired."""
        match = _SIGNED.fullmatch(sender)
        if not match:
            return False
        nonce, expiry, mac = match.groups()
        return hmac.compare_digest(mac, self._mac(nonce, expiry)) and int(expiry) > (now or time.time())


def _from_this_machine() -> bool:
    try:
        return ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        return False


def check_sender(sender: str) -> None:
    """ApiError 401 invalid_session unless `sender` is an id this server issued (or an
    unsigned id allowed by web.unsigned_senders)."""
    signer: Signer = current_app.extensions["hts.sessions"]
    if signer.valid(sender):
        return
    if not _SIGNED.fullmatch(sender) and current_app.config["HTS"].unsigned_senders == "loopback" \
            and _from_this_machine():
        return
    raise ApiError(401, "invalid_session")


@bp.post("/api/session")
def new_session():
    signer: Signer = current_app.extensions["hts.sessions"]
    return jsonify({"sender": signer.issue(), "expires_in": signer.seconds})
