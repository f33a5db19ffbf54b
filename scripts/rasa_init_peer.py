"""The peer of the load benchmark: the bare assistant `rasa init` makes (Rasa 3.6's default
pipeline and policies, the in-memory tracker store, no custom actions), built and served
from a temporary folder, loaded by closed-loop users through its REST channel.

    with RasaInitPeer() as peer:             # rasa init --no-prompt (trains: ~1-2 min)
        level = peer.load(users=50, conversations=4)

Used by scripts/load_test.py --versus-init; not a service of the assistant.
"""
import shutil
import subprocess
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from stack.scaleout import free_port

ROOT = Path(__file__).resolve().parent.parent
RASA = ROOT / ".venv-rasa" / "bin" / "rasa"
# The mood bot's conversation: greet, unhappy (two answers), affirm, goodbye.
CONVERSATION = ["hello", "I am feeling sad", "yes", "bye"]
TIMEOUT = 30.0


class RasaInitPeer:
    """A `rasa init` project in a temporary folder and its `rasa run` server; a context
    manager (the folder and the process go at the end)."""

    def __init__(self):
        self.folder = Path(tempfile.mkdtemp(prefix="rasa-init-"))
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/webhooks/rest/webhook"
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> "RasaInitPeer":
        env = {"RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2", "PATH": "/usr/bin:/bin"}
        subprocess.run([str(RASA), "init", "--no-prompt", "--init-dir", str(self.folder)], env=env,
                       check=True, capture_output=True, timeout=1800)
        self.process = subprocess.Popen([str(RASA), "run", "--port", str(self.port), "--interface", "127.0.0.1",
                                         "--model", "models"], cwd=self.folder, env=env,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            try:
                if requests.post(self.url, json={"sender": "warm-up", "message": "hello"}, timeout=5).json():
                    self._warm_up()
                    return self
            except (requests.RequestException, ValueError):
                pass
            time.sleep(1)
        self.__exit__(None, None, None)
        raise RuntimeError("the rasa init assistant did not answer within 5 minutes")

    def _warm_up(self) -> None:
        """Its whole conversation a few times first, as the load test's reference run
        warms this stack up (the first predictions of each model are slow)."""
        for i in range(3):
            for message in CONVERSATION:
                requests.post(self.url, json={"sender": f"warm-up-{i}", "message": message}, timeout=TIMEOUT)

    def __exit__(self, *_) -> None:
        if self.process:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
        shutil.rmtree(self.folder, ignore_errors=True)

    @property
    def pid(self) -> int:
        return self.process.pid

    def load(self, users: int, conversations: int) -> tuple[list[float], int, float]:
        """Closed loop: each user holds `conversations` mood-bot conversations. Returns the
        latencies (seconds) of the answered turns, the number of failed turns (no HTTP 200
        or an empty answer) and the wall time (seconds)."""
        latencies, failures, lock, start = [], [0], threading.Lock(), threading.Event()

        def user(_: int) -> None:
            session = requests.Session()
            start.wait()
            for _ in range(conversations):
                sender = f"peer-{uuid.uuid4().hex[:10]}"
                for message in CONVERSATION:
                    began = time.perf_counter()
                    try:
                        response = session.post(self.url, json={"sender": sender, "message": message},
                                                timeout=TIMEOUT)
                        ok = response.status_code == 200 and bool(response.json())
                    except (requests.RequestException, ValueError):
                        ok = False
                    elapsed = time.perf_counter() - began
                    with lock:
                        if ok:
                            latencies.append(elapsed)
                        else:
                            failures[0] += 1

        with ThreadPoolExecutor(max_workers=users) as executor:
            futures = [executor.submit(user, u) for u in range(users)]
            began = time.perf_counter()
            start.set()
            for future in futures:
                future.result()
            wall = time.perf_counter() - began
        return latencies, failures[0], wall
