"""The scale-out profile on one machine, with Rasa's own mechanisms (deploy/README.md):

    PostgreSQL   tracker store, shared by every Rasa server    (Debian's postgresql)
    Redis        lock store, shared by every Rasa server       (Debian's redis-server)
    N action servers       .venv/bin/python -m actions.server --port P
    M Rasa servers         rasa run --endpoints deploy/scaleout/endpoints.yml
    K web apps             python -m bot.serve, stateless, each in front of one Rasa;
                           rate-limit counters in Redis (web.ratelimit_storage_uri)
    retention job          python -m stack.retention: PostgreSQL events and the web apps'
                           database older than privacy.retention_days are deleted

    .venv/bin/python -m stack.scaleout [--rasa 2] [--actions 2] [--web 2]

starts everything (PostgreSQL and Redis are throwaway servers in a temporary directory,
on free ports, run as the current user — as the `postgres` system user when that is
root, since PostgreSQL refuses to run as root), prints the addresses and runs until
Ctrl-C. A Debian cluster on 5432 is neither used nor touched. Rasa reads the real
deploy/scaleout/endpoints.yml: every process gets the ${DB_HOST}-style variables in its
environment, as it would under docker compose or the Helm chart. Rasa server i calls
action server i mod N, and web app i talks to Rasa server i mod M, so a client that
alternates between web apps also alternates between Rasa servers.

tests/test_scaleout.py and tests/test_faults.py use `ScaleOut` (and `shared()`, one
instance per test process). Needs stack/setup/ensure_services.sh first (make services).
"""
import argparse
import atexit
import glob
import os
import pwd
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from stack import runner

ROOT = Path(__file__).resolve().parent.parent
ENDPOINTS = ROOT / "deploy" / "scaleout" / "endpoints.yml"
DATABASE = "rasa"
RASA_COLD_START = 600        # seconds at most; several Rasa servers loading TensorFlow on 2 cores

Service = runner.Service
http_ok = runner.http_ok


class OwnStack(runner.Stack):
    """stack.runner's embedded stack on other ports, for tests and benchmarks that
    must not touch a running `make run`. Its endpoints file points Rasa at this stack's
    action server whatever HTS_ACTIONS_URL says (Stack._endpoints replaces the configured
    URL in the text of endpoints.yml, which misses when that variable is set), and at a
    SQLite tracker file of its own."""

    def _endpoints(self) -> str:
        import yaml
        endpoints = yaml.safe_load((ROOT / "endpoints.yml").read_text(encoding="utf-8"))
        endpoints["action_endpoint"]["url"] = f"{self.actions_url}/webhook"
        endpoints["action_endpoint"]["headers"] = {"Authorization": f"Bearer {self.token}"}   # actions/server.py
        tracker = endpoints.get("tracker_store") or {}
        if tracker.get("dialect") == "sqlite":       # its own SQLite file, not make run's
            tracker["db"] = f"var/rasa_tracker-{runner.port_of(self.rasa_url)}.db"
        path = ROOT / "var" / f"endpoints-{runner.port_of(self.actions_url)}.yml"
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w", encoding="utf-8") as handle:
            handle.write(yaml.safe_dump(endpoints, allow_unicode=True, sort_keys=False))
        os.chmod(path, 0o600)
        return str(path)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_port_closed(port: int, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) != 0:
                return
        time.sleep(0.2)


class ServiceError(RuntimeError):
    pass


def ensure_services() -> None:
    """Debian's PostgreSQL and Redis, installed by stack/setup/ensure_services.sh (idempotent;
    `make services` runs it as part of the set-up) when either is missing."""
    if glob.glob("/usr/lib/postgresql/*/bin/pg_ctl") and shutil.which("redis-server") and shutil.which("psql"):
        return
    result = subprocess.run([str(ROOT / "stack" / "setup" / "ensure_services.sh")], capture_output=True, text=True)
    if result.returncode != 0:
        raise ServiceError(f"stack/setup/ensure_services.sh failed: {result.stderr.strip()}")


# ---------------------------------------------------------------- PostgreSQL

def postgres_bin(name: str) -> str:
    """The newest /usr/lib/postgresql/<version>/bin/<name> (Debian keeps initdb off PATH)."""
    found = glob.glob(f"/usr/lib/postgresql/*/bin/{name}")
    if not found:
        raise ServiceError(f"{name} not found under /usr/lib/postgresql/*/bin: run stack/setup/ensure_services.sh")
    return max(found, key=lambda p: [int(x) for x in re.findall(r"\d+", p.split("/")[4])] or [0])


class Postgres:
    """A throwaway cluster: trust authentication, superuser `postgres`, 127.0.0.1 only."""

    def __init__(self, workdir: Path, port: int | None = None):
        self.dir = workdir / "postgres"
        self.data = self.dir / "data"
        self.log = self.dir / "postgres.log"
        self.port = port or free_port()
        root = os.geteuid() == 0
        self.owner = pwd.getpwnam("postgres") if root else None   # initdb/postgres refuse root

    def _run(self, *command: str, check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess:
        prefix = ["runuser", "-u", "postgres", "--"] if self.owner else []
        result = subprocess.run([*prefix, *command], capture_output=True, text=True, timeout=timeout)
        if check and result.returncode != 0:
            raise ServiceError(f"{' '.join(command)} failed ({result.returncode}): {result.stderr.strip()} "
                               f"{result.stdout.strip()}; log: {self.log}")
        return result

    def init(self) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        if self.owner:
            for path in (self.dir.parent, self.dir):
                os.chown(path, self.owner.pw_uid, self.owner.pw_gid)
        self._run(postgres_bin("initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust",
                  "--no-locale", "-E", "UTF8", "--no-sync")

    def start(self) -> None:
        # Unix socket in our own directory (not /var/run/postgresql), TCP on 127.0.0.1.
        # fsync off: a test database, nothing to keep across a power cut.
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
        self._run(postgres_bin("pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60",
                  "-o", options, "start")

    def stop(self, mode: str = "fast") -> None:
        """mode: smart, fast (disconnect clients) or immediate (like a crash)."""
        if self.data.is_dir():
            self._run(postgres_bin("pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop", check=False)

    def running(self) -> bool:
        return self._run(postgres_bin("pg_ctl"), "-D", str(self.data), "status", check=False).returncode == 0

    def psql(self, sql: str, database: str = DATABASE) -> list[list[str]]:
        """Rows of `sql` (psql over TCP as `postgres`; no password: trust)."""
        result = subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", database,
                                 "-X", "-A", "-t", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-c", sql],
                                capture_output=True, text=True, timeout=30)
        if result.returncode != 0:
            raise ServiceError(f"psql failed: {result.stderr.strip()}")
        return [line.split("\t") for line in result.stdout.splitlines() if line]

    def create_database(self, name: str = DATABASE) -> None:
        if not self.psql(f"SELECT 1 FROM pg_database WHERE datname = '{name}'", database="postgres"):
            self.psql(f"CREATE DATABASE {name}", database="postgres")


# ---------------------------------------------------------------- Redis

class Redis:
    """redis-server in the foreground of its own process group, no persistence."""

    def __init__(self, workdir: Path, port: int | None = None):
        self.dir = workdir / "redis"
        self.port = port or free_port()
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        server = shutil.which("redis-server")
        if not server:
            raise ServiceError("redis-server not found: run stack/setup/ensure_services.sh")
        self.process = subprocess.Popen(
            [server, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.dir), "--logfile", str(self.dir / "redis.log"), "--daemonize", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.ping():
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        raise ServiceError(f"redis-server did not start; see {self.dir / 'redis.log'}")

    def command(self, *words: str) -> bytes:
        """One command in Redis' inline protocol; the raw reply."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=2) as sock:
            sock.sendall((" ".join(words) + "\r\n").encode())
            reply = b""
            while not reply.endswith(b"\r\n"):
                chunk = sock.recv(65536)
                if not chunk:
                    break
                reply += chunk
            return reply

    def ping(self) -> bool:
        try:
            return self.command("PING").startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        wait_port_closed(self.port)


# ---------------------------------------------------------------- the profile

class ScaleOut:
    def __init__(self, rasa: int = 2, actions: int = 2, web: int = 2, extra_env: dict | None = None,
                 workdir: Path | None = None, name: str = "scaleout"):
        self.name = name
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix=f"hts-{name}-"))
        self.postgres = Postgres(self.workdir)
        self.redis = Redis(self.workdir)
        self.token = secrets.token_hex(16)
        self.actions_urls = [f"http://127.0.0.1:{free_port()}" for _ in range(actions)]
        self.rasa_urls = [f"http://127.0.0.1:{free_port()}" for _ in range(rasa)]
        self.web_urls = [f"http://127.0.0.1:{free_port()}" for _ in range(web)]
        self.database = self.workdir / "web" / "assistant.sqlite3"   # shared by the web apps (one host)
        self.extra_env = dict(extra_env or {})
        self.services: list[Service] = []
        for i, url in enumerate(self.actions_urls):
            self.services.append(Service(
                f"{name}-actions-{i + 1}",
                [str(ROOT / ".venv/bin/python"), "-m", "actions.server", "--port", str(runner.port_of(url))],
                f"{url}/health", 180, self._app_env(actions_url=url)))
        for i, url in enumerate(self.rasa_urls):
            self.services.append(Service(
                f"{name}-rasa-{i + 1}",
                [str(ROOT / ".venv-rasa/bin/python"), "-m", "stack.rasa_server", "run", "--enable-api",
                 "--interface", "127.0.0.1", "--port", str(runner.port_of(url)), "--credentials", "credentials.yml",
                 "--endpoints", str(ENDPOINTS), "--model", "var/rasa"],
                f"{url}/webhooks/webapp/", RASA_COLD_START, self.rasa_env(i)))
        for i, url in enumerate(self.web_urls):
            self.services.append(Service(
                f"{name}-web-{i + 1}",
                [str(ROOT / ".venv/bin/python"), "-m", "bot.serve"],
                f"{url}/healthz", 60,
                self._app_env(rasa_url=self.rasa_urls[i % rasa], actions_url=self.actions_urls[i % actions],
                              web_port=runner.port_of(url))))
        self.services.append(runner.retention_job(f"{name}-retention", str(ENDPOINTS), str(self.database),
                                                  self.rasa_env(0)))

    def rasa_env(self, i: int) -> dict:
        """What deploy/scaleout/endpoints.yml asks for, as compose or the chart would set it."""
        return {
            **runner.SINGLE_THREADED,
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "ACTION_SERVER_URL": f"{self.actions_urls[i % len(self.actions_urls)]}/webhook",
            "DB_HOST": "127.0.0.1", "DB_PORT": str(self.postgres.port), "DB_USER": "postgres",
            "DB_PASSWORD": "", "DB_DATABASE": DATABASE,
            "REDIS_HOST": "127.0.0.1", "REDIS_PORT": str(self.redis.port), "REDIS_PASSWORD": "",
            "SQL_POOL_SIZE": "10", "SQL_MAX_OVERFLOW": "10",
            "HTS_RASA_TOKEN": self.token,            # dialogue/channel.py, stack/rasa_server.py
            **self.extra_env,
        }

    def _app_env(self, rasa_url: str | None = None, actions_url: str | None = None,
                 web_port: int | None = None) -> dict:
        env = {**runner.SINGLE_THREADED, **os.environ, "PYTHONPATH": str(ROOT), "HTS_RASA_TOKEN": self.token,
               "HTS_WEB_DATABASE": str(self.database),
               # one limit for all web apps (flask-limiter counters in Redis, db 2; the
               # lock store uses db 1)
               "HTS_WEB_RATELIMIT_STORAGE_URI": f"redis://127.0.0.1:{self.redis.port}/2",
               # one test client, many conversations: the per-address limit would throttle it
               "HTS_WEB_RATE_LIMIT_PER_MINUTE": "100000"}
        if rasa_url:
            env["HTS_RASA_URL"] = rasa_url
        if actions_url:
            env["HTS_ACTIONS_URL"] = actions_url
        if web_port:
            env["HTS_WEB_PORT"] = str(web_port)
        return {**env, **self.extra_env}

    def service(self, name: str) -> Service:
        """"rasa-1", "actions-2", "web-1" (or the full log name)."""
        return next(s for s in self.services if s.name in (name, f"{self.name}-{name}"))

    def start(self) -> "ScaleOut":
        ensure_services()
        try:
            self.postgres.init()
            self.postgres.start()
            self.postgres.create_database()
            self.redis.start()
            runner.start_all(self.services)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        runner.stop_all(self.services)
        self.redis.stop()
        self.postgres.stop("fast")
        shutil.rmtree(self.workdir, ignore_errors=True)

    def restart_postgres(self, down_seconds: float = 0.0, mode: str = "immediate") -> None:
        self.postgres.stop(mode)
        time.sleep(down_seconds)
        self.postgres.start()

    def restart_redis(self, down_seconds: float = 0.0) -> None:
        self.redis.stop()
        time.sleep(down_seconds)
        self.redis.start()


_shared: ScaleOut | None = None


def shared() -> ScaleOut:
    """One scale-out per process (the tests of several modules share its cold starts);
    stopped when the process exits."""
    global _shared
    if _shared is None:
        instance = ScaleOut()
        instance.start()
        _shared = instance
        atexit.register(instance.stop)
    return _shared


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rasa", type=int, default=2)
    parser.add_argument("--actions", type=int, default=2)
    parser.add_argument("--web", type=int, default=2)
    args = parser.parse_args()
    profile = ScaleOut(args.rasa, args.actions, args.web)
    print(f"starting PostgreSQL, Redis, {args.actions} action server(s), {args.rasa} Rasa server(s) and "
          f"{args.web} web app(s); logs in var/log/{profile.name}-*.log ...", flush=True)
    started = time.monotonic()
    runner.handle_signals()       # a signal during start-up stops what was started
    try:
        profile.start()
    except KeyboardInterrupt:
        return 130
    print(f"ready in {time.monotonic() - started:.0f} s:\n"
          f"  PostgreSQL  127.0.0.1:{profile.postgres.port} (database {DATABASE}, user postgres)\n"
          f"  Redis       127.0.0.1:{profile.redis.port}\n"
          + "".join(f"  actions     {u}\n" for u in profile.actions_urls)
          + "".join(f"  Rasa        {u}\n" for u in profile.rasa_urls)
          + "".join(f"  web         {u}/api/chat\n" for u in profile.web_urls)
          + "Ctrl-C stops everything.", flush=True)
    runner.run_until_interrupted(profile.services, profile.stop)
    return 0


if __name__ == "__main__":
    sys.exit(main())
