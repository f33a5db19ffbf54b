"""Shutdown of the runner (stack/runner.py) as `make run` starts it: SIGTERM to the
whole process group twice (make forwards the signal to its children, a supervisor or an
impatient operator sends another while the runner is stopping) must leave no process.

The services are stand-ins with the real services' shape (each in a session of its
own, so the group's signal does not reach them; each takes a second to stop), so the
test needs no Rasa model and runs in a few seconds."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

RUNNER = """
import sys
from stack import runner
services = [runner.Job(f"stand-in-{i}", ["sh", "-c", 'trap "sleep 1; exit 0" TERM; while :; do sleep 0.1; done'],
                       "", 0, {}) for i in range(3)]
runner.handle_signals()
runner.start_all(services)
with open(sys.argv[1], "w") as handle:
    handle.write(" ".join(str(s.process.pid) for s in services))
runner.run_until_interrupted(services, lambda: runner.stop_all(services))
"""


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie is dead: only its exit status is left
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split(") ")[-1][:1] != "Z"


@pytest.mark.parametrize("top", ["make", "python"])
def test_sigterm_to_the_group_twice_leaves_no_process(tmp_path, top):
    pids_file = tmp_path / "pids"
    script = tmp_path / "runner.py"
    script.write_text(RUNNER)
    command = [sys.executable, str(script), str(pids_file)]
    if top == "make":
        (tmp_path / "Makefile").write_text(f"run:\n\t@{' '.join(command)}\n")
        command = ["make", "-s", "-C", str(tmp_path), "run"]
    top_process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                                   start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while not (pids_file.exists() and pids_file.read_text()) and time.monotonic() < deadline:
        time.sleep(0.1)
    services = [int(pid) for pid in pids_file.read_text().split()]
    assert all(alive(pid) for pid in services)
    group = top_process.pid
    os.killpg(group, signal.SIGTERM)
    time.sleep(0.5)                        # the runner is stopping the first stand-in now
    os.killpg(group, signal.SIGTERM)
    top_process.wait(timeout=60)
    output = top_process.stdout.read().decode()
    time.sleep(0.2)
    assert [pid for pid in services if alive(pid)] == [], output
    left = subprocess.run(["pgrep", "-g", str(group)], capture_output=True, text=True).stdout.split()
    assert left == [], output
    assert "stopping" in output
