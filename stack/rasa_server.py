"""`rasa` with its secrets and telemetry settings taken from the environment, so that
they never show in the process list (`ps`, /proc/<pid>/cmdline) or in a URL:

    HTS_RASA_TOKEN=... python -m stack.rasa_server run --enable-api --port 5005 ...

adds `--auth-token $HTS_RASA_TOKEN` to the arguments inside the process (the command
line the kernel shows stays the one above) and turns Rasa's telemetry off
(RASA_TELEMETRY_ENABLED=false) unless the environment says otherwise. Every other
argument goes to `rasa` unchanged. Run with Rasa's Python (.venv-rasa, the Rasa image).
"""
import os
import sys


def main() -> None:
    os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
    arguments = sys.argv[1:]
    token = os.environ.get("HTS_RASA_TOKEN", "")
    if token and arguments[:1] == ["run"] and "--auth-token" not in arguments:
        arguments += ["--auth-token", token]
    sys.argv = ["rasa", *arguments]
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    main()
