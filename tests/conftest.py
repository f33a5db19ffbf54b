"""Shared fixtures. `stack`: the real assistant (Rasa server, action server, web app).

If all three already answer at the configured addresses (a developer running
`make run`), the tests use them; otherwise the fixture starts them with
scripts/stack.py — the same code `make run` uses — and stops them at the end.
Nothing is mocked: Rasa runs the trained model, the actions load the real index.
"""
import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _load_stack_module():
    spec = importlib.util.spec_from_file_location("stack", ROOT / "scripts" / "stack.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["stack"] = module
    spec.loader.exec_module(module)
    return module


stack_module = _load_stack_module()


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
