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
# torch: the lock pins the plain version (torch==X), which pip would take from PyPI as the
# multi-GB CUDA build. Unless a local CPU wheel is there (pip's find-links, e.g.
# /opt/wheels, or TORCH_WHEEL=path), install the CPU build first from TORCH_INDEX_URL
# (default: PyTorch's CPU index); the lock's torch==X is then already satisfied (X+cpu).
torch_pin=$(grep -E '^torch==' "$lock" || true)
if [ -n "$torch_pin" ]; then
    version=${torch_pin#torch==}
    local_wheel=""
    for dir in ${PIP_FIND_LINKS:-} /opt/wheels; do
        found=$(ls "$dir"/torch-"$version"+cpu-*.whl 2>/dev/null | head -n 1 || true)
        [ -n "$found" ] && local_wheel=$found && break
    done
    if [ -n "${TORCH_WHEEL:-}" ]; then
        "$target/bin/pip" install --quiet "$TORCH_WHEEL"
    elif [ -z "$local_wheel" ]; then
        echo "torch $version: CPU build from ${TORCH_INDEX_URL:-https://download.pytorch.org/whl/cpu}"
        "$target/bin/pip" install --quiet --index-url "${TORCH_INDEX_URL:-https://download.pytorch.org/whl/cpu}" \
            "torch==$version+cpu"
    fi
fi
"$target/bin/pip" install --quiet -r "$lock"
touch "$target/.complete"
[ -L "$link" ] || rm -rf "$link"
ln -sfn "$target" "$link"
echo "$link ready in $(( $(date +%s) - started )) s"
