"""What is published now, and the one signal that it changed.

Publishing (index/publish.py, the admin page, `python -m index build`) ends by writing
a new index manifest; its version is the project's one publication signal: `version()`,
withheld while a publish journal exists (index/publish.py: all or nothing).
(The operators' answers, index/answers_publish.py, are published without an index build:
their own version is the `signal` of the answer units' Reloading, index/retrieval/units.py.)
Every process that holds something read from the published plans (the action server's
knowledge and search index, the web app's plan pages) keeps it in a `Reloading`, which
loads it on first use and again, without a restart, when the version changes.
"""
from __future__ import annotations

import logging
import threading
import time
from typing import Callable, Generic, TypeVar

from pathlib import Path

from core import settings
from index.retrieval.store import index_version

log = logging.getLogger(__name__)

T = TypeVar("T")

_LOAD_ATTEMPTS = 3      # a build finishing while we load: load again


def journal_path() -> Path:
    """The journal of the change being published (index/publish.py): present from before
    a change touches anything until its plan file, catalogue entry, index and change-log
    line are all written."""
    return settings.project_path(settings.get("index", "history_dir", "var/plan-history")) / "pending.json"


def version() -> str | None:
    """A string that changes with every publication (one small file read); None while
    nothing is published, a build is writing the index, or a publish is under way or was
    interrupted (its journal exists): a loaded value is then kept, so readers switch from
    the whole former state to the whole new one, never to a plan set whose index or change
    log is not written yet."""
    if journal_path().exists():
        return None
    return index_version()


class Reloading(Generic[T]):
    """A value loaded from the published plans, `load()` called on first use and again
    when `version()` changed. While a build is writing (version None) the loaded value is
    kept. Concurrent callers wait on a lock for a reload and never see half of it; a load
    during which the version changed is repeated (at most three times).

    `signal`: another publication's version function in place of `version()` — the
    operators' answers (index/answers_publish.py) reload the answer units on their own
    signal, without reloading the plans and their index."""

    def __init__(self, load: Callable[[], T], name: str, signal: Callable[[], str | None] = None):
        self._load, self.name = load, name
        self._signal = signal or version
        self._lock = threading.Lock()
        self._value: T | None = None
        self._version: str | None = None
        self._loaded = False

    def get(self) -> T:
        return self.get_with_version()[0]

    def get_with_version(self) -> tuple[T, str | None]:
        """The value and the version it was loaded at."""
        now = self._signal()
        if self._loaded and (now is None or now == self._version):
            return self._value, self._version
        with self._lock:
            if not self._loaded or (now is not None and now != self._version):
                self._value, self._version = self._fresh()
                self._loaded = True
            return self._value, self._version

    def _fresh(self) -> tuple[T, str | None]:
        started = time.perf_counter()
        for _ in range(_LOAD_ATTEMPTS):
            before = self._signal()
            value = self._load()
            if self._signal() == before:
                break
        log.info("%s loaded (version %s) in %.2f s", self.name, before, time.perf_counter() - started)
        return value, before

    def clear(self) -> None:
        """Forget the loaded value (tests); the next call loads it again."""
        with self._lock:
            self._value, self._version, self._loaded = None, None, False
