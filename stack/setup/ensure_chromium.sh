#!/usr/bin/env bash
# Debian's Chromium for the browser tests, installed once (needs root or sudo).
set -euo pipefail
command -v chromium >/dev/null 2>&1 && exit 0
"$(dirname "$0")/apt_install.sh" "the browser tests" chromium
command -v chromium >/dev/null
