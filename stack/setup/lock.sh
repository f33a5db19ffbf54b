#!/usr/bin/env bash
# Resolve a requirements file in a throwaway venv and write the exact versions.
#   stack/setup/lock.sh requirements/app.txt requirements/app.lock python3.11
set -euo pipefail
requirements=$1 lock=$2 python=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$python" -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet --upgrade pip
"$work/venv/bin/pip" install --quiet -r "$requirements"
# The CPU build of torch carries a local version label (+cpu) that PyPI does not know;
# pin the plain version, which resolves to the CPU wheel on this machine kind.
"$work/venv/bin/pip" freeze | sed -E 's/^(torch==[0-9.]+)\+cpu$/\1/' > "$lock"
echo "wrote $lock"
