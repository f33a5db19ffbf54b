# Everyday commands. `make run` and `make test` set up whatever is missing first
# (virtualenvs, embedding model, index, Rasa model); each step skips itself when its
# inputs have not changed, so a second run goes straight to work.

PYTHON := .venv/bin/python
RASA := .venv-rasa/bin/rasa

.PHONY: setup venvs model index run test lock clean

setup: venvs model

venvs:
	@scripts/ensure_venv.sh .venv python3.11 requirements/app.lock
	@scripts/ensure_venv.sh .venv-rasa python3.10 requirements/rasa.lock

model: venvs
	@$(PYTHON) -m index.e5_rebuild

test: setup
	$(PYTHON) -m pytest

# Regenerate a lock file after editing requirements/*.txt, in a throwaway venv.
lock:
	@scripts/lock.sh requirements/app.txt requirements/app.lock python3.11
	@scripts/lock.sh requirements/rasa.txt requirements/rasa.lock python3.10

clean:
	rm -rf index/build .rasa var tests/artifacts
