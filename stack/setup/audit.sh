#!/usr/bin/env bash
# Known vulnerabilities in the locked dependencies: pip-audit (Apache-2.0) against the
# PyPI advisory database (and OSV with AUDIT_SERVICE=osv), for both locks.
#
#   make audit            (pip-audit lives in its own venv under $HTS_CACHE_DIR/tools)
#
# Exit status: 0 no known vulnerability; 1 some found (listed); 2 the advisory data
# could not be reached (no internet beyond the package registries): said so, not a pass.
set -uo pipefail

cache="${HTS_CACHE_DIR:-$HOME/.cache/hatangso}/tools/pip-audit"
if [ ! -x "$cache/bin/pip-audit" ]; then
    python3 -m venv "$cache" && "$cache/bin/pip" install --quiet pip-audit || {
        echo "audit: could not install pip-audit" >&2; exit 2; }
fi
status=0
for lock in requirements/app.lock requirements/rasa.lock; do
    echo "== $lock"
    output=$("$cache/bin/pip-audit" --requirement "$lock" --no-deps --disable-pip \
        --vulnerability-service "${AUDIT_SERVICE:=pypi}" --progress-spinner off 2>&1)
    code=$?
    echo "$output" | grep -v "could not be audited" | tail -n 40
    skipped=$(echo "$output" | grep -c "could not be audited" || true)
    total=$(grep -cE '^[A-Za-z0-9_.-]+==' "$lock")
    if [ "$skipped" -gt 0 ]; then
        echo "audit: $skipped of $total packages could not be audited: the advisory data ($AUDIT_SERVICE) was not" \
             "reachable for them (pip-audit: 'Dependency not found on PyPI')" >&2
        [ "$skipped" -ge "$total" ] && status=2
    fi
    if [ $code -ne 0 ]; then
        if echo "$output" | grep -qiE "connection|resolve|timed out|unreachable|Max retries|SSLError|HTTPSConnectionPool"; then
            echo "audit: the advisory data ($AUDIT_SERVICE) could not be reached from this machine; no result" >&2
            status=2
        else
            [ $status -eq 0 ] && status=1
        fi
    fi
done
exit $status
