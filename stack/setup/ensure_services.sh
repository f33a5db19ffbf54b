#!/usr/bin/env bash
# Debian's PostgreSQL and Redis for the scale-out tests (tests/test_scaleout.py,
# tests/test_faults.py): installed once (needs root or sudo), never started as system
# services. The tests run their own throwaway servers (stack/scaleout.py: initdb +
# pg_ctl from /usr/lib/postgresql/*/bin, redis-server --port N --save '') in temporary
# directories on free ports, so a cluster Debian may have set up on 5432 is neither
# needed nor touched.
set -euo pipefail

have_postgres() { compgen -G "/usr/lib/postgresql/*/bin/pg_ctl" >/dev/null && command -v psql >/dev/null 2>&1; }
have_redis() { command -v redis-server >/dev/null 2>&1 && command -v redis-cli >/dev/null 2>&1; }

packages=()
have_postgres || packages+=(postgresql postgresql-client)
have_redis || packages+=(redis-server redis-tools)
[ ${#packages[@]} -eq 0 ] && exit 0

echo "installing Debian's ${packages[*]} for the scale-out tests..."
if [ "$(id -u)" -eq 0 ]; then sudo=""; elif command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
    echo "error: ${packages[*]} missing and neither root nor sudo is available; install the Debian packages" \
         "postgresql and redis-server" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive

# Keep the packages' maintainer scripts from starting system services (a Redis on 6379,
# a PostgreSQL cluster on 5432): the tests start their own. policy-rc.d answering 101
# ("action forbidden") is Debian's documented switch; only set when none exists, and
# removed afterwards.
policy=/usr/sbin/policy-rc.d
own_policy=""
if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
    $sudo chmod 755 "$policy"
    own_policy=1
fi
cleanup() { if [ -n "$own_policy" ]; then $sudo rm -f "$policy"; fi; }
trap cleanup EXIT

$sudo apt-get update -qq || true
$sudo apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
have_postgres && have_redis
