"""Shared fixtures. `stack`: the real assistant (Rasa server, action server, web app).

If all three already answer at the configured addresses (a developer running
`make run`), the tests use them; otherwise the fixture starts them with
stack/runner.py — the same code `make run` uses — and stops them at the end.
Nothing is mocked: Rasa runs the trained model, the actions load the real index.
"""
import shutil
import socket
import threading
from pathlib import Path

import pytest

import stack as stack_module
from index.retrieval.store import build_dir


@pytest.fixture(scope="session")
def stack():
    candidate = stack_module.Stack()
    running = all(stack_module.http_ok(url) for url in (
        f"{candidate.actions_url}/health", f"{candidate.rasa_url}/", f"{candidate.web_url}/healthz"))
    if running:
        yield candidate
        return
    candidate.start()
    try:
        yield candidate
    finally:
        candidate.stop()


# ---------------------------------------------------------------- a Rasa that is down or hung

@pytest.fixture
def closed_url() -> str:
    """A URL on a port nothing listens on: connecting is refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


@pytest.fixture
def silent_url():
    """A TCP server that accepts connections and never answers: a hung Rasa."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    held, stop = [], threading.Event()

    def accept():
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    stop.set()
    thread.join(2)
    for connection in held:
        connection.close()
    listener.close()


# ---------------------------------------------------------------- plans to publish into

@pytest.fixture
def published_copy(tmp_path, monkeypatch):
    """The plans, the index and an empty history in tmp_path; the settings point there
    (the child `python -m index build` inherits the environment)."""
    plans, index, history = tmp_path / "plans", tmp_path / "index", tmp_path / "history"
    shutil.copytree(Path(__file__).resolve().parent.parent / "data" / "plans", plans)
    shutil.copytree(build_dir(), index)
    monkeypatch.setenv("HTS_INDEX_PLANS_DIR", str(plans))
    monkeypatch.setenv("HTS_INDEX_BUILD_DIR", str(index))
    monkeypatch.setenv("HTS_INDEX_HISTORY_DIR", str(history))
    return plans, index, history
