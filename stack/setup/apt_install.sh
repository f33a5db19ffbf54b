#!/usr/bin/env bash
# Install Debian packages as root or through sudo, quietly; fails with a clear message
# when neither is available.
#
#   stack/setup/apt_install.sh "what they are for" PACKAGE...
set -euo pipefail
purpose=$1
shift
echo "installing Debian's $* ($purpose)..."
if [ "$(id -u)" -eq 0 ]; then sudo=""; elif command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
    echo "error: neither root nor sudo is available; install the Debian packages $* ($purpose)" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq || true
$sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null
