#!/usr/bin/env bash
# Create (or reuse) a virtualenv for one lock file and link it into the project.
#
#   stack/setup/ensure_venv.sh LINK PYTHON LOCKFILE
#
# The venv itself lives in $VENV_CACHE (default ~/.cache/hatangso/venvs) under a name
# derived from the lock file's hash, so a fresh clone on a machine that already
# built the same requirements reuses it instead of reinstalling, and a changed lock
# file gets a new venv. LINK (.venv, .venv-rasa) is a symlink to it.
set -euo pipefail

link=$1 python=$2 lock=$3
cache=${VENV_CACHE:-$HOME/.cache/hatangso/venvs}
hash=$(sha256sum "$lock" | cut -c1-12)
target="$cache/$(basename "$link" | tr -d .)-$hash"

if [ -f "$target/.complete" ]; then
    [ "$(readlink "$link" 2>/dev/null)" = "$target" ] || ln -sfn "$target" "$link"
    exit 0
fi

# pyenv shims exist for every installed version but only run the "global" ones,
# so fall back to the interpreter inside pyenv's versions folder.
if ! "$python" -c '' >/dev/null 2>&1; then
    version=${python#python}
    found=$(ls -d "${PYENV_ROOT:-$HOME/.pyenv}"/versions/"$version".*/bin/"$python" 2>/dev/null | sort -V | tail -n 1)
    if [ -z "$found" ]; then
        echo "error: $python not found; install Python $version (README: Requirements)" >&2
        exit 1
    fi
    python=$found
fi

echo "setting up $link from $lock (first time for these requirements)..."
started=$(date +%s)
rm -rf "$target"
mkdir -p "$cache"
"$python" -m venv "$target"
"$target/bin/pip" install --quiet --upgrade pip
"$target/bin/pip" install --quiet -r "$lock"
touch "$target/.complete"
[ -L "$link" ] || rm -rf "$link"
ln -sfn "$target" "$link"
echo "$link ready in $(( $(date +%s) - started )) s"
