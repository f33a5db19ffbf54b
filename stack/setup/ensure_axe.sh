#!/bin/sh
# axe-core (npm, MPL-2.0) for the accessibility checks of the browser tests, installed
# once into tests/browser/node_modules from the committed package-lock.json. Test-only:
# it is never served to users; the tests hand it to Chromium from the page's own origin.
set -e
cd "$(dirname "$0")/../../tests/browser"
[ -f node_modules/axe-core/axe.min.js ] && exit 0
command -v npm >/dev/null 2>&1 || { echo "npm is missing: apt-get install -y npm (for the accessibility tests)" >&2; exit 1; }
npm ci --no-audit --no-fund --loglevel=error
