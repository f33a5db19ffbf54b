"""Faults, injected into real processes, and the recovery after each without manual steps.

Embedded profile, on a stack of this module's own (stack.Stack on free
ports, logs var/log/faults-*.log), so the tests can kill and restart its parts without
disturbing the session's `stack` or a developer's `make run`:
  - the action server killed under load, then restarted (as a supervisor would):
    503 with a Vietnamese message meanwhile, never a 500 or a hang; answers again after
  - Rasa killed, then restarted: the same; a question asked before the crash is
    completed after it (the tracker store is on disk)
  - the search index missing or corrupt at start: a clear error in the action server's
    log, /readyz reports the index, retrieval questions get a message (not silence) and
    structured answers keep working; fixing the files is enough to recover
  - the feedback database's disk full (a 1 MB tmpfs filled up; root only, otherwise a
    read-only directory): the chat goes on; feedback answers 503; recovers when space is back
Scale-out profile (stack/scaleout.py, shared with tests/test_scaleout.py):
  - Redis (lock store) and PostgreSQL (tracker store) briefly down: what Rasa does, and
    its recovery once they are back
"""
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from index.retrieval.store import build_dir
from stack import scaleout

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.e2e

Stack = scaleout.OwnStack         # stack.Stack, own endpoints file
CLARIFY = "Mục tiêu tốc độ băng rộng di động năm 2025 là bao nhiêu?"
TARGET = "Mục tiêu tốc độ băng rộng cố định của Tuyên Quang năm 2025?"
RETRIEVAL = "Kế hoạch Tiền Giang nói gì về IPv6?"
HANG = 15.0           # seconds: the web app gives up on Rasa after 10 (rasa.timeout_seconds)
UNAVAILABLE_CODES = {"rasa_unavailable", "assistant_unavailable", "rasa_timeout", "rasa_bad_response"}
VIETNAMESE = set("ăâđêôơưáàảãạấầẩẫậắằẳẵặéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ")


@dataclass
class Answer:
    status: int | None        # None: no HTTP answer within HANG seconds
    body: dict
    seconds: float
    sent: float               # time.monotonic() when sent

    @property
    def code(self) -> str:
        return (self.body.get("error") or {}).get("code", "")

    @property
    def kind(self):
        return (self.body.get("meta") or {}).get("kind")

    @property
    def text(self) -> str:
        return "\n".join(m.get("text", "") for m in self.body.get("messages") or [])


def say(web_url: str, sender: str, message: str, session=requests) -> Answer:
    sent = time.monotonic()
    try:
        response = session.post(f"{web_url}/api/chat", json={"sender": sender, "message": message}, timeout=HANG)
        try:
            body = response.json()
        except ValueError:
            body = {"unparsed": response.text[:200]}
        return Answer(response.status_code, body, time.monotonic() - sent, sent)
    except requests.RequestException as error:
        return Answer(None, {"exception": repr(error)}, time.monotonic() - sent, sent)


def sender() -> str:
    return f"fault-{uuid.uuid4().hex[:10]}"


def assert_friendly_unavailable(answer: Answer) -> None:
    """A clear 503 with the Vietnamese message the widget shows."""
    assert answer.status == 503, answer
    assert answer.code in UNAVAILABLE_CODES, answer
    message = answer.body["error"]["message"]
    assert message and set(message.lower()) & VIETNAMESE, answer


def assert_well_formed(answer: Answer) -> None:
    """Never a 500, a bare error page or a hang: 200 with an answer, or a friendly 503."""
    assert answer.status is not None and answer.seconds < HANG, f"no answer within {HANG} s: {answer}"
    if answer.status == 200:
        assert answer.body["messages"] and answer.kind, answer
    else:
        assert_friendly_unavailable(answer)


class Load:
    """`users` threads asking questions in fresh conversations until stopped."""
    QUESTIONS = [TARGET, "hien trang cap quang tuyen quang", "Sở Xây dựng Hậu Giang phải làm gì?", "khi nao tat song 2g"]

    def __init__(self, web_url: str, users: int = 4):
        self.web_url, self.users = web_url, users
        self.answers: list[Answer] = []
        self.stopped = threading.Event()
        self.threads = [threading.Thread(target=self._user, args=(i,), daemon=True) for i in range(users)]

    def _user(self, i: int) -> None:
        session = requests.Session()
        n = 0
        while not self.stopped.is_set():
            self.answers.append(say(self.web_url, sender(), self.QUESTIONS[(i + n) % len(self.QUESTIONS)], session))
            n += 1
            time.sleep(0.05)

    def __enter__(self) -> "Load":
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stopped.set()
        for thread in self.threads:
            thread.join(timeout=HANG + 5)

    def between(self, start: float, end: float) -> list[Answer]:
        return [a for a in self.answers if start <= a.sent and a.sent + a.seconds <= end]


def report(fault: str, restart_seconds: float | None = None, **groups: list[Answer]) -> None:
    """One line per fault for docs/results/faults.md (pytest -s shows them)."""
    parts = []
    for name, answers in groups.items():
        statuses = {}
        for a in answers:
            key = f"{a.status}{'/' + a.code if a.code else ''}"
            statuses[key] = statuses.get(key, 0) + 1
        slowest = max((a.seconds for a in answers), default=0)
        parts.append(f"{name}: {len(answers)} requests {statuses}, slowest {slowest * 1000:.0f} ms")
    if restart_seconds is not None:
        parts.append(f"restart to ready {restart_seconds:.1f} s")
    print(f"\nFAULT {fault}: " + "; ".join(parts))


def wait_until(predicate, timeout: float, interval: float = 0.5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return predicate()


def log_size(service) -> int:
    path = scaleout.runner.LOG_DIR / f"{service.name}.log"
    return path.stat().st_size if path.exists() else 0


def log_text(service, since: int = 0) -> str:
    """The service's log (appended across runs) from byte `since` on."""
    with open(scaleout.runner.LOG_DIR / f"{service.name}.log", "rb") as handle:
        handle.seek(since)
        return handle.read().decode("utf-8", errors="replace")


# ---------------------------------------------------------------- the faults stack

@pytest.fixture(scope="module")
def feedback_dir():
    """A 1 MB tmpfs for the feedback database (root), to be filled up; else a plain dir."""
    directory = Path(tempfile.mkdtemp(prefix="hts-feedback-"))
    mounted = os.geteuid() == 0 and subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m,mode=0755", "tmpfs", str(directory)],
        capture_output=True).returncode == 0
    yield directory, mounted
    if mounted:
        subprocess.run(["umount", "-l", str(directory)], capture_output=True)
    shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture(scope="module")
def faults(feedback_dir):
    directory, _ = feedback_dir
    ports = [scaleout.free_port() for _ in range(3)]
    stack = Stack(rasa_url=f"http://127.0.0.1:{ports[0]}", actions_url=f"http://127.0.0.1:{ports[1]}",
                  web_port=ports[2],
                  extra_env={"HTS_WEB_RATE_LIMIT_PER_MINUTE": "0",
                             "HTS_WEB_DATABASE": str(directory / "assistant.sqlite3")})
    for service in stack.services:         # own log files: var/log/faults-{actions,rasa,web}.log
        service.name = f"faults-{service.name}"
    stack.start()
    yield stack
    stack.stop()


def kill(service) -> None:
    """SIGKILL to the whole process group: a crash, no clean shutdown."""
    os.killpg(service.process.pid, signal.SIGKILL)
    service.process.wait()


def test_action_server_killed_under_load_then_restarted(faults):
    actions = faults.service("faults-actions")
    with Load(faults.web_url) as load:
        time.sleep(3)
        killed = time.monotonic()
        kill(actions)
        time.sleep(6)                                   # the outage, still under load
        restarting = time.monotonic()
        actions.start()                                 # what a supervisor does (make run's loop, Kubernetes)
        actions.wait_ready()
        back = time.monotonic()
        time.sleep(5)
    for answer in load.answers:                         # before, during, after: never a 500 or a hang
        assert_well_formed(answer)
    before = load.between(0, killed)
    during = load.between(killed + 0.5, restarting)
    after = load.between(back + 0.5, float("inf"))
    report("action server killed under load", before=before, during=during, after=after,
           restart_seconds=back - restarting)
    assert before and all(a.status == 200 for a in before)
    assert during and all(a.status == 503 for a in during), {a.status for a in during}
    assert after and all(a.status == 200 for a in after), [a for a in after if a.status != 200][:3]


def test_rasa_killed_then_restarted(faults):
    rasa = faults.service("faults-rasa")
    user = sender()
    first = say(faults.web_url, user, CLARIFY)
    assert first.status == 200 and first.kind == "clarify"
    kill(rasa)
    during = [say(faults.web_url, sender(), TARGET) for _ in range(3)]
    for answer in during:
        assert_friendly_unavailable(answer)
        assert answer.seconds < 5, answer                  # refused at once, no waiting on a dead port
    ready = requests.get(f"{faults.web_url}/readyz", timeout=10)
    assert ready.status_code == 503 and "rasa" in ready.json()["not_ready"]
    restarting = time.monotonic()
    rasa.start()
    rasa.wait_ready()
    report("Rasa killed", during=during, restart_seconds=time.monotonic() - restarting)
    # the pending clarification survived the crash (SQLite tracker store on disk)
    second = say(faults.web_url, user, "Sóc Trăng")
    assert second.status == 200 and second.kind == "target", second
    assert second.body["meta"]["sources"][0]["province"] == "Sóc Trăng"
    assert say(faults.web_url, sender(), TARGET).status == 200


# ---------------------------------------------------------------- the index

class IndexLab:
    """The action server and the web app restarted on an index directory of our own,
    broken on purpose; one restart per state, the real index back at the end."""

    def __init__(self, stack):
        self.stack = stack
        self.directory = Path(tempfile.mkdtemp(prefix="hts-index-"))
        self.services = [stack.service("faults-actions"), stack.service("faults-web")]
        self.state = None
        self.log_mark = 0

    def _restart(self, env: dict) -> None:
        self.log_mark = log_size(self.services[0])
        for service in self.services:
            service.stop()
            service.env = env
            service.start()
        for service in self.services:
            service.wait_ready()

    def copy_real_index(self) -> None:
        for path in build_dir().iterdir():             # the real index (var/index)
            if path.is_file():
                shutil.copy2(path, self.directory / path.name)

    def missing(self) -> None:
        if self.state != "missing":
            for path in self.directory.iterdir():
                path.unlink()
            self._restart({**self.stack.env, "HTS_INDEX_BUILD_DIR": str(self.directory)})
            self.state = "missing"

    def corrupt(self) -> None:
        if self.state != "corrupt":
            self.copy_real_index()
            (self.directory / "dense.faiss").write_bytes(b"\x00garbage, not a faiss index" * 10)
            self._restart({**self.stack.env, "HTS_INDEX_BUILD_DIR": str(self.directory)})
            self.state = "corrupt"

    def log(self) -> str:
        return log_text(self.services[0], self.log_mark)

    def restore(self) -> None:
        if self.state is not None:
            self._restart(self.stack.env)
        shutil.rmtree(self.directory, ignore_errors=True)


@pytest.fixture(scope="module")
def index_lab(faults):
    lab = IndexLab(faults)
    yield lab
    lab.restore()


def _readyz(web_url: str) -> tuple[int, dict]:
    response = requests.get(f"{web_url}/readyz", timeout=10)
    return response.status_code, response.json()


def assert_retrieval_fault_is_visible(web_url: str) -> None:
    answer = say(web_url, sender(), RETRIEVAL)
    print(f"\nFAULT index: retrieval question -> {answer.status} {answer.kind}: {answer.text[:160]!r}")
    assert answer.status == 200 and answer.text.strip(), answer         # never silence
    assert answer.kind == "fallback", answer
    # not the ordinary "nothing reliable found", which would hide the fault from the user
    assert "chưa tìm thấy thông tin đủ tin cậy" not in answer.text, answer.text
    structured = say(web_url, sender(), TARGET)                          # needs no index
    assert structured.status == 200 and structured.kind == "target", structured


def test_index_missing_message_says_search_is_unavailable(faults, index_lab):
    index_lab.missing()
    answer = say(faults.web_url, sender(), RETRIEVAL)
    assert answer.status == 200
    assert "tạm" in answer.text and "tra cứu" in answer.text, answer.text


def test_index_missing_at_start(faults, index_lab):
    index_lab.missing()
    # a clear error in the action server's log: what is wrong and what to run
    assert wait_until(lambda: "no index at" in index_lab.log() and "make index" in index_lab.log(), 10)
    status, ready = _readyz(faults.web_url)
    print(f"\nFAULT index missing: readyz {status} {ready['checks']['index']['detail']!r}; log: "
          + " | ".join(line for line in index_lab.log().splitlines()
                       if "warm-up failed" in line or line.startswith("index.store.IndexNotReady")))
    assert status == 503 and ready["not_ready"] == ["index"], ready
    assert "no index" in ready["checks"]["index"]["detail"]
    assert_retrieval_fault_is_visible(faults.web_url)
    # recovery: the index rebuilt or restored in place is enough, no restart
    index_lab.copy_real_index()
    index_lab.state = "repaired"
    assert wait_until(lambda: _readyz(faults.web_url)[0] == 200, 10)
    again = say(faults.web_url, sender(), RETRIEVAL)
    assert again.status == 200 and again.kind == "search", again


def test_index_corrupt_is_reported_by_readyz(faults, index_lab):
    index_lab.corrupt()
    status, ready = _readyz(faults.web_url)
    assert status == 503 and "index" in ready["not_ready"], ready


def test_index_corrupt_at_start(faults, index_lab):
    index_lab.corrupt()
    assert wait_until(lambda: "dense.faiss is unreadable" in index_lab.log(), 10)
    assert_retrieval_fault_is_visible(faults.web_url)


# ---------------------------------------------------------------- feedback disk full

def test_feedback_disk_full(faults, feedback_dir):
    directory, mounted = feedback_dir
    if not mounted and os.geteuid() == 0:
        pytest.skip("no tmpfs could be mounted, and a read-only directory does not stop root")
    web = faults.service("faults-web")
    ok = say(faults.web_url, sender(), TARGET)
    assert ok.status == 200
    stored = requests.post(f"{faults.web_url}/api/feedback",
                           json={"message_id": ok.body["meta"]["message_id"], "helpful": True}, timeout=10)
    assert stored.status_code == 200, stored.text

    filler = directory / "filler"
    if mounted:
        with open(filler, "wb", buffering=0) as handle:     # fill the 1 MB tmpfs to the last byte
            try:
                while True:
                    handle.write(b"\0" * 4096)
            except OSError:
                pass
        broken = "disk full"
    else:                                              # not root: a read-only directory instead
        for path in directory.iterdir():
            path.unlink()
        directory.chmod(0o500)
        broken = "read-only"
    mark = log_size(web)
    try:
        for _ in range(3):
            answer = say(faults.web_url, sender(), TARGET)
            assert answer.status == 200 and answer.kind == "target", (broken, answer)   # the chat goes on
        feedback = requests.post(f"{faults.web_url}/api/feedback",
                                 json={"message_id": answer.body["meta"]["message_id"], "helpful": False,
                                       "comment": "thử khi đầy đĩa"}, timeout=10)
        # the answer could not be recorded: a clear JSON error, never a 500
        print(f"\nFAULT feedback database {broken}: chat {[a.status for a in [answer]]}, "
              f"feedback {feedback.status_code} {feedback.json()['error']['code']}")
        assert feedback.status_code in (404, 503), feedback.text
        assert set(feedback.json()["error"]["message"].lower()) & VIETNAMESE
        assert "not recorded, the chat goes on" in log_text(web, mark)
    finally:
        if mounted:
            filler.unlink()
        else:
            directory.chmod(0o755)
    # space is back: recorded again, feedback accepted, without a restart
    answer = say(faults.web_url, sender(), TARGET)
    assert answer.status == 200
    feedback = requests.post(f"{faults.web_url}/api/feedback",
                             json={"message_id": answer.body["meta"]["message_id"], "helpful": True}, timeout=10)
    assert feedback.status_code == 200, feedback.text


# ---------------------------------------------------------------- scale-out: Redis, PostgreSQL

@pytest.fixture(scope="module")
def profile():
    return scaleout.shared()


def test_redis_briefly_down(profile):
    web = profile.web_urls[0]
    profile.redis.stop()
    try:
        during = [say(web, sender(), TARGET) for _ in range(3)]
        for answer in during:
            # Rasa cannot take the conversation's lock: its REST channel answers no message,
            # which the web app turns into its 503 "cannot answer right now"
            assert_friendly_unavailable(answer)
            assert answer.seconds < 12, answer
    finally:
        profile.redis.start()                       # same port: Rasa's Redis client reconnects
    back = time.monotonic()
    assert wait_until(lambda: all(say(url, sender(), TARGET).status == 200 for url in profile.web_urls), 20)
    report("Redis down", during=during, restart_seconds=time.monotonic() - back)


def test_postgres_briefly_down(profile):
    a, b = profile.web_urls[0], profile.web_urls[1 % len(profile.web_urls)]
    profile.postgres.stop("immediate")              # a crash
    try:
        during = [say(url, sender(), TARGET) for url in (a, b, a)]
        for answer in during:
            # Rasa's FailSafeTrackerStore keeps answering from an in-memory tracker (logged
            # as an error); whatever happens, the user gets an answer or a friendly 503
            assert_well_formed(answer)
    finally:
        time.sleep(2)
        profile.postgres.start()

    # back: each Rasa server's pool reconnects (a first turn may still hit a stale
    # connection and fall back), then conversations keep their state across servers
    def persisted() -> bool:
        probe = sender()
        for url in profile.web_urls:
            say(url, probe, "xin chào")
        rows = profile.postgres.psql(f"SELECT count(*) FROM events WHERE sender_id = '{probe}' AND type_name = 'user'")
        return int(rows[0][0]) == len(profile.web_urls)
    back = time.monotonic()
    assert wait_until(persisted, 30, interval=1)
    print(f"\nFAULT PostgreSQL down: kinds during the outage {[a.kind for a in during]}")
    report("PostgreSQL down", during=during, restart_seconds=time.monotonic() - back)
    user = sender()
    first = say(a, user, CLARIFY)
    assert first.status == 200 and first.kind == "clarify"
    second = say(b, user, "Sóc Trăng")
    assert second.status == 200 and second.kind == "target", second
    assert second.body["meta"]["sources"][0]["province"] == "Sóc Trăng"


# ---------------------------------------------------------------- publishing killed at each step

PLAN = ROOT / "tests" / "admin" / "lam-dong-2026.txt"
PUBLISH_CHILD = """
import sys
from index import publish
publish.publish(sys.argv[1], {"period": "2026 - 2027"})
"""


def _live_matches_log(plan_id: str) -> None:
    """What the change log says last about the plan is what is live, and the index was
    built from the live plans (the /readyz check of bot/health.py)."""
    from bot.health import check_index
    from index import publish
    from index.retrieval.store import plans_mismatch

    last = [c for c in publish.changes() if c["plan"] == plan_id]
    live = publish._state(plan_id)
    if last:
        assert (live or {}).get("sha256") == (last[-1]["after"] or {}).get("sha256")
        assert (live or {}).get("entry") == (last[-1]["after"] or {}).get("entry")
    else:
        assert live is None
    assert plans_mismatch() == []
    assert check_index()["ready"] is True
    assert not (publish.history_dir() / "pending.json").exists()


@pytest.mark.parametrize("step, outcome", [
    ("journal", "finished"),        # journal written, nothing live yet
    ("live", "finished"),           # file and catalogue live, index old (the bug)
    ("building:1.5", "finished"),   # the web app and its index build killed together
    ("indexed", "finished"),        # index new, change log not written (the 409)
    ("logged", "finished"),         # everything done but the journal
])
def test_publish_killed_at_each_step_is_finished_on_start_up(published_copy, step, outcome):
    """SIGKILL to the publishing process's whole group (the web app and its `python -m
    index build` child) at each step; then what a restarted web app does (publish.recover
    in create_app's background thread): the change is finished, the change log matches
    what is live and the index matches the plans; /readyz said so meanwhile."""
    from bot.health import check_index
    from index import publish
    from index.retrieval.store import plans_mismatch

    staged = publish.stage_upload("lam-dong.txt", PLAN.read_bytes())
    child = subprocess.run([str(ROOT / ".venv/bin/python"), "-c", PUBLISH_CHILD, staged.sha256], cwd=ROOT,
                           env={**os.environ, "HTS_PUBLISH_FAULT": step, "PYTHONPATH": str(ROOT)},
                           start_new_session=True, capture_output=True, timeout=300)
    assert child.returncode == -signal.SIGKILL, child.stderr[-2000:]
    assert (publish.history_dir() / "pending.json").exists()
    # readers keep what they loaded: the publication signal is withheld while the
    # journal exists (index/published.py)
    from index import published
    from index.retrieval.store import index_version
    assert published.version() is None
    if step in ("live", "building:1.5"):
        # half-published: /readyz must not call this ready
        time.sleep(0.5)   # the killed build's children are gone too
        assert plans_mismatch() or check_index()["ready"] is False
        assert check_index()["ready"] is False
    started = time.monotonic()
    if step == "live":
        # the way it happens: the web app starts and recovers in the background
        from bot.app import create_app

        create_app({"web.database": str(published_copy[2] / "assistant.sqlite3")})
        assert wait_until(lambda: not (publish.history_dir() / "pending.json").exists() and
                          not publish.in_progress(), 300)
        assert publish.changes()[-1]["plan"] == "lam-dong-2026-2027"
    else:
        assert publish.recover()["outcome"] == outcome
    report(f"publish killed at '{step}'", time.monotonic() - started)
    _live_matches_log("lam-dong-2026-2027")
    assert published.version() == index_version() is not None
    assert [c["action"] for c in publish.changes()] == ["publish"]
    assert publish.recover() is None                 # nothing left to do


def test_a_publish_whose_rebuild_fails_at_recovery_is_rolled_back(published_copy, monkeypatch):
    """The interrupted change cannot be finished (its index build fails: the embedding
    model is missing): the former state is put back, the change log has no entry for it
    and the index still matches the plans. A journal cut short is dropped."""
    from index import publish

    plans_dir, _, history = published_copy
    staged = publish.stage_upload("lam-dong.txt", PLAN.read_bytes())
    child = subprocess.run([str(ROOT / ".venv/bin/python"), "-c", PUBLISH_CHILD, staged.sha256], cwd=ROOT,
                           env={**os.environ, "HTS_PUBLISH_FAULT": "live", "PYTHONPATH": str(ROOT)},
                           start_new_session=True, capture_output=True, timeout=300)
    assert child.returncode == -signal.SIGKILL
    assert publish._state("lam-dong-2026-2027") is not None          # half-published
    with monkeypatch.context() as patch:
        patch.setenv("HTS_EMBEDDING_MODEL", str(plans_dir / "no-such-model"))
        result = publish.recover()
    assert result["outcome"] == "rolled_back"
    assert publish._state("lam-dong-2026-2027") is None
    assert publish.changes() == []
    _live_matches_log("lam-dong-2026-2027")
    (history / "pending.json").write_text('{"id": "cut', encoding="utf-8")
    assert publish.recover() == {"change": None, "outcome": "rolled_back"}
    _live_matches_log("lam-dong-2026-2027")
