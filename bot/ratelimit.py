"""A per-client-IP rate limit on /api/*: a token bucket refilled over one minute.

In memory, so per process: with N gunicorn workers a client gets up to N times the
limit. That is enough to stop a runaway script; a shared limit belongs to the reverse
proxy. The client is request.remote_addr: the socket peer, or, only when
web.trusted_proxy is set, the address our proxy put last in X-Forwarded-For (ProxyFix
in bot/app.py); otherwise anyone could forge the header to get a fresh budget.
"""
import logging
import math
import threading
import time

from flask import Flask, request

from bot.errors import ApiError

log = logging.getLogger(__name__)

_MAX_CLIENTS = 10_000   # past this many buckets, those idle long enough to be full are dropped


class RateLimiter:
    def __init__(self, per_minute: int, clock=time.monotonic):
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0     # tokens per second
        self.clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}   # ip -> (tokens, last time)
        self._lock = threading.Lock()

    def acquire(self, client: str) -> float:
        """0 if the request may go on, else the seconds to wait before the next one."""
        if self.capacity <= 0:
            return 0.0   # a limit of 0 disables limiting
        now = self.clock()
        with self._lock:
            tokens, last = self._buckets.get(client, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - last) * self.rate)
            if tokens >= 1:
                self._buckets[client] = (tokens - 1, now)
                self._prune(now)
                return 0.0
            self._buckets[client] = (tokens, now)
            return (1 - tokens) / self.rate

    def _prune(self, now: float) -> None:
        if len(self._buckets) <= _MAX_CLIENTS:
            return
        refill = self.capacity / self.rate
        self._buckets = {ip: (t, last) for ip, (t, last) in self._buckets.items() if now - last < refill}


def install(app: Flask, per_minute: int) -> RateLimiter:
    limiter = RateLimiter(per_minute)

    @app.before_request
    def _limit():
        if not request.path.startswith("/api/") or request.method == "OPTIONS":
            return None
        client = request.remote_addr or "unknown"
        wait = limiter.acquire(client)
        if wait:
            seconds = max(1, math.ceil(wait))
            log.warning("rate limit hit by a client on %s (retry in %d s)", request.path, seconds)
            raise ApiError(429, "rate_limited", headers={"Retry-After": str(seconds)}, seconds=seconds)
        return None

    return limiter
