"""Start, watch and stop the three services of the assistant on one machine:

    action server  .venv/bin/python -m actions.server  (actions.url, default :5055)
    Rasa server    .venv-rasa/bin/rasa run             (rasa.url, default :5005)
    web app        .venv/bin/python -m bot.serve       (web.host:web.port, default :8000)
    retention job  .venv-rasa/bin/python -m stack.retention  (privacy.retention_days, stack/retention.py)

`python -m stack` (what `make run` calls) starts them, waits until each is
ready, prints the addresses and keeps running until Ctrl-C. The end-to-end tests use
the same `Stack` class. Logs go to var/log/. Rasa's HTTP API is enabled only on
127.0.0.1 and behind a token (generated per start unless rasa.token is set), which the
web app uses for its readiness check and to read which buttons it offered. Every process
is started with umask 077: the files they create (Rasa's SQLite tracker store, the web
app's database, logs) are readable by their owner only.
"""
import os
import secrets
import shutil
import signal
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from core import settings

ROOT = settings.PROJECT_ROOT

LOG_DIR = ROOT / "var" / "log"
PRIVATE_UMASK = 0o077        # files of the services: owner only (0600)
# One thread for each numeric library's pool (TensorFlow in Rasa, PyTorch and BLAS in the
# action server): a turn's matrices are small, and on two cores extra threads only compete
# with the other services. Under 50 closed-loop users (2026-11-30): 31 -> 33 requests/s,
# Rasa CPU per turn 31 -> 28 ms (docs/results/load.md). A variable set by the caller wins.
SINGLE_THREADED = {"TF_INTER_OP_PARALLELISM_THREADS": "1", "TF_INTRA_OP_PARALLELISM_THREADS": "1",
                   "OMP_NUM_THREADS": "1"}
RASA_COLD_START = 600        # seconds at most; Rasa loads TensorFlow and the model (~60 s on a quiet
                             # machine, 4 minutes seen with a load average of 8)


def http_ok(url: str, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return 200 <= response.status < 300
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return False


def port_of(url: str) -> int:
    return urlparse(url).port or 80


@dataclass
class Service:
    name: str
    command: list[str]
    ready_url: str
    startup_seconds: float
    env: dict = field(default_factory=dict)
    process: subprocess.Popen | None = None

    def log_path(self) -> Path:
        return LOG_DIR / f"{self.name}.log"

    def start(self) -> None:
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        path = self.log_path()
        rotate(path)
        log = open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600), "ab")
        os.chmod(path, 0o600)
        # A process group of its own, so that stopping it also stops its children
        # (Sanic workers).
        self.process = subprocess.Popen(self.command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                                        env={**os.environ, **self.env}, start_new_session=True,
                                        umask=PRIVATE_UMASK)

    def wait_ready(self) -> None:
        deadline = time.monotonic() + self.startup_seconds
        while time.monotonic() < deadline:
            if self.process and self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}; see {LOG_DIR / self.name}.log")
            if http_ok(self.ready_url):
                return
            time.sleep(0.5)
        raise RuntimeError(f"{self.name} not ready after {self.startup_seconds:.0f} s; see {LOG_DIR / self.name}.log")

    def stop(self) -> None:
        if not self.process or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def rotate(path: Path, force: bool = False) -> bool:
    """Copy-and-truncate rotation of a service's log (the service keeps its O_APPEND
    descriptor and goes on writing at the new end): above logging.max_mb, path.1 ...
    path.<keep> are shifted and path is copied to path.1, all mode 0600."""
    limit = float(settings.get("logging", "max_mb", 20)) * 1024 * 1024
    keep = int(settings.get("logging", "keep", 5))
    try:
        if not path.exists() or (path.stat().st_size <= limit and not force):
            return False
        for index in range(keep - 1, 0, -1):
            older = path.with_name(f"{path.name}.{index}")
            if older.exists():
                os.replace(older, path.with_name(f"{path.name}.{index + 1}"))
        shutil.copyfile(path, path.with_name(f"{path.name}.1"))
        os.chmod(path.with_name(f"{path.name}.1"), 0o600)
        with open(path, "r+b") as handle:
            handle.truncate(0)
        return True
    except OSError as error:
        print(f"log rotation of {path.name} failed: {error}", flush=True)
        return False


@dataclass
class Job(Service):
    """A background process without an address (the retention job): ready once started."""

    def wait_ready(self) -> None:
        time.sleep(0.2)
        if self.process is None or self.process.poll() is not None:
            raise RuntimeError(f"{self.name} exited at start; see {LOG_DIR / self.name}.log")


def retention_job(name: str, endpoints: str, database: str, env: dict) -> Job:
    """stack/retention.py in Rasa's virtualenv (SQLAlchemy for a PostgreSQL tracker store),
    purging the tracker store of `endpoints` and the web app's `database`."""
    return Job(name, [str(ROOT / ".venv-rasa/bin/python"), "-m", "stack.retention",
                      "--endpoints", endpoints, "--database", database], "", 0, env)


def start_all(services: list[Service]) -> None:
    """Start every service at once (Rasa's cold start dominates and overlaps), then wait
    for each; if one fails, stop them all."""
    try:
        for service in services:
            service.start()
        for service in services:
            service.wait_ready()
    except BaseException:
        stop_all(services)
        raise


def stop_all(services: list[Service]) -> None:
    """Stop every service, the last started first; one that fails to stop (already gone,
    a permission error) does not keep the others running."""
    for service in reversed(services):
        try:
            service.stop()
        except (OSError, subprocess.SubprocessError) as error:
            print(f"{service.name}: could not be stopped cleanly ({error}); killing it", flush=True)
            try:
                os.killpg(service.process.pid, signal.SIGKILL)
            except OSError:
                pass


class Stack:
    def __init__(self, rasa_url: str | None = None, actions_url: str | None = None,
                 web_port: int | None = None, extra_env: dict | None = None):
        self.rasa_url = (rasa_url or settings.get("rasa", "url")).rstrip("/")
        self.actions_url = (actions_url or settings.get("actions", "url")).rstrip("/")
        host = settings.get("web", "host")
        self.web_url = f"http://{host}:{web_port or settings.get('web', 'port')}"
        self.token = str(settings.get("rasa", "token", "") or "") or secrets.token_hex(16)
        env = {**{k: v for k, v in SINGLE_THREADED.items() if k not in os.environ},
               "HTS_RASA_URL": self.rasa_url, "HTS_ACTIONS_URL": self.actions_url,
               "HTS_RASA_TOKEN": self.token, "HTS_WEB_PORT": str(urlparse(self.web_url).port),
               "PYTHONPATH": str(ROOT), **(extra_env or {})}
        self.env = env
        endpoints = self._endpoints()
        self.services = [
            Service("actions", [str(ROOT / ".venv/bin/python"), "-m", "actions.server",
                                "--port", str(port_of(self.actions_url))],
                    f"{self.actions_url}/health", 120, env),
            # the token reaches Rasa through the environment (stack/rasa_server.py), never
            # its command line; ready once our channel answers (after the model loaded)
            Service("rasa", [str(ROOT / ".venv-rasa/bin/python"), "-m", "stack.rasa_server", "run", "--enable-api",
                             "--interface", "127.0.0.1", "--port", str(port_of(self.rasa_url)),
                             "--credentials", "credentials.yml", "--endpoints", endpoints,
                             "--model", "var/rasa"],
                    f"{self.rasa_url}/webhooks/webapp/", RASA_COLD_START, env),
            Service("web", [str(ROOT / ".venv/bin/python"), "-m", "bot.serve"],
                    f"{self.web_url}/healthz", 60, env),
        ]
        database = str(settings.project_path(env.get("HTS_WEB_DATABASE") or settings.get("web", "database")))
        self.services.append(retention_job("retention", endpoints, database, env))

    def _endpoints(self) -> str:
        """endpoints.yml with this stack's action server address (set in the parsed file:
        replacing the configured URL in its text misses when HTS_ACTIONS_URL is set) and
        the token the action server asks of its caller (actions/server.py) as a header,
        in var/endpoints-<port>.yml (mode 0600: the token is in no command line or URL)."""
        import yaml
        endpoints = yaml.safe_load((ROOT / "endpoints.yml").read_text(encoding="utf-8"))
        endpoints["action_endpoint"]["url"] = f"{self.actions_url}/webhook"
        endpoints["action_endpoint"]["headers"] = {"Authorization": f"Bearer {self.token}"}
        path = ROOT / "var" / f"endpoints-{port_of(self.actions_url)}.yml"
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w", encoding="utf-8") as handle:
            handle.write(yaml.safe_dump(endpoints, allow_unicode=True, sort_keys=False))
        os.chmod(path, 0o600)
        return str(path)

    def service(self, name: str) -> Service:
        return next(s for s in self.services if s.name == name)

    def start(self) -> "Stack":
        (ROOT / "var").mkdir(exist_ok=True)
        start_all(self.services)
        return self

    def stop(self) -> None:
        stop_all(self.services)

    def restart(self, name: str) -> None:
        service = self.service(name)
        service.stop()
        service.start()
        service.wait_ready()


def _interrupt(*_) -> None:
    """First SIGTERM or Ctrl-C: stop. Every further one is ignored from here on, so that
    a second signal (make forwards one to its children while the runner is stopping, an
    impatient Ctrl-C) cannot abort the stop and leave services running."""
    _ignore_signals()
    raise KeyboardInterrupt


def _ignore_signals() -> None:
    for name in ("SIGTERM", "SIGINT", "SIGHUP"):
        signal.signal(getattr(signal, name), signal.SIG_IGN)


def handle_signals() -> None:
    """SIGTERM, SIGINT and SIGHUP stop the runner (KeyboardInterrupt), once."""
    for name in ("SIGTERM", "SIGINT", "SIGHUP"):
        signal.signal(getattr(signal, name), _interrupt)


def main() -> int:
    handle_signals()             # also during start-up: start_all stops what it started
    stack = Stack()
    print("starting the action server, Rasa (about a minute) and the web app; logs in var/log/ ...", flush=True)
    started = time.monotonic()
    try:
        stack.start()
    except KeyboardInterrupt:
        print("stopped during start-up", flush=True)
        return 130
    print(f"ready in {time.monotonic() - started:.0f} s:\n"
          f"  demo page and widget  {stack.web_url}/\n"
          f"  chat API              {stack.web_url}/api/chat\n"
          f"  action server         {stack.actions_url} (this machine only)\n"
          "Ctrl-C stops everything.", flush=True)
    run_until_interrupted(stack.services, stack.stop)
    return 0


def run_until_interrupted(services: list[Service], stop) -> None:
    """Keep `services` running (a service that exits is started again) until Ctrl-C,
    SIGTERM or SIGHUP, then call `stop()` with further signals ignored; every service
    is stopped even when stopping one of them fails."""
    handle_signals()
    try:
        while True:
            for service in services:
                if service.process is not None and service.process.poll() is not None:
                    print(f"{service.name} stopped (exit {service.process.returncode}); restarting", flush=True)
                    service.start()
                rotate(service.log_path())
            time.sleep(2)
    except KeyboardInterrupt:
        print("stopping ...", flush=True)
    finally:
        _ignore_signals()
        stop()
