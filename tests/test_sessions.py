"""Sessions the server issues (bot/sessions.py): signed sender ids with an expiry; ids
the server did not issue are refused from other machines (and from everywhere with
web.unsigned_senders=never). Flask's test client; Rasa is a closed port, so an accepted
sender gets 503 (Rasa unreachable) and a refused one 401 before Rasa is asked."""
import time

import pytest

from bot.app import create_app
from bot.sessions import Signer

REMOTE = {"REMOTE_ADDR": "203.0.113.7"}


@pytest.fixture
def app(tmp_path, closed_url):
    return create_app({"rasa.url": closed_url, "web.database": str(tmp_path / "a.sqlite3"),
                       "web.rate_limit_per_minute": 0, "web.session_secret": "k" * 32})


def ask(client, sender, remote=True):
    return client.post("/api/chat", json={"sender": sender, "message": "khi nào tắt sóng 2G?"},
                       environ_base=REMOTE if remote else {})


def test_issued_ids_are_accepted_and_others_refused_from_elsewhere(app):
    client = app.test_client()
    issued = client.post("/api/session", json={}, environ_base=REMOTE).get_json()
    assert issued["expires_in"] == 24 * 3600 and issued["sender"].startswith("s1.")
    assert ask(client, issued["sender"]).status_code == 503            # accepted: Rasa is down
    for forged in ("default", "web-0123456789abcdef", issued["sender"][:-1] + "A",
                   issued["sender"].replace(issued["sender"].split(".")[2], "9999999999")):
        refused = ask(client, forged)
        assert refused.status_code == 401, forged
        assert refused.get_json()["error"]["code"] == "invalid_session"
        assert "phiên" in refused.get_json()["error"]["message"].lower()
    assert ask(client, "score-0123abcd", remote=False).status_code == 503   # this machine: allowed


def test_ids_expire_and_another_key_does_not_validate_them():
    signer = Signer("secret", hours=1)
    sender = signer.issue()
    assert signer.valid(sender)
    assert not signer.valid(sender, now=time.time() + 3601)
    assert not Signer("other", hours=1).valid(sender)
    assert not Signer("", hours=1).valid(sender)                      # a random key per start


def test_unsigned_ids_refused_everywhere_when_configured(tmp_path, closed_url):
    app = create_app({"rasa.url": closed_url, "web.database": str(tmp_path / "a.sqlite3"),
                      "web.unsigned_senders": "never"})
    client = app.test_client()
    assert ask(client, "score-0123abcd", remote=False).status_code == 401
    sender = client.post("/api/session", json={}).get_json()["sender"]
    assert ask(client, sender, remote=False).status_code == 503
