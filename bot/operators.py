"""Operator accounts of the admin area: who is calling, by name.

The deployment provides a YAML file (setting `web.operators_file`, e.g.
/etc/hatangso/operators.yml; not in the repository) with one entry per operator:

    operators:
      - name: Nguyễn Thị Lan            # shown in every change-log entry
        token_sha256: 9f86d08...        # SHA-256 (hex) of the operator's token

Only the hash is stored. Tokens are long random strings made by
`python -m bot.operators "Nguyễn Thị Lan"` (prints the token once, and the entry to add),
so a plain SHA-256 is enough (no password to stretch). The file is read again when it
changes (mtime), so accounts are added or revoked without a restart. The shared
`web.admin_token`, when set, still works and is named ADMIN_TOKEN_NAME in the log.

    operator_for(token, config) -> name | None
"""
import hashlib
import hmac
import logging
import os
import re
import secrets
import sys
import threading
from pathlib import Path

import yaml

log = logging.getLogger(__name__)

ADMIN_TOKEN_NAME = "Quản trị (mã dùng chung)"
_HEX = re.compile(r"[0-9a-f]{64}")
_cache: dict[str, tuple[int, tuple[tuple[str, bytes], ...]]] = {}
_lock = threading.Lock()


def digest(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8", "replace")).digest()


def load_accounts(path: str) -> tuple[tuple[str, bytes], ...]:
    """(name, sha256 digest) of each valid entry of the operators file; () when the
    setting is empty or the file is missing or malformed (logged: nobody logs in by it)."""
    if not path:
        return ()
    try:
        mtime = os.stat(path).st_mtime_ns
    except OSError:
        log.error("operators file %s is missing: no operator can log in by name", path)
        return ()
    cached = _cache.get(path)
    if cached and cached[0] == mtime:
        return cached[1]
    with _lock:
        try:
            document = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as error:
            log.error("operators file %s is unreadable: %s", path, error)
            return ()
        accounts = []
        for entry in (document.get("operators") or []) if isinstance(document, dict) else []:
            name = str((entry or {}).get("name") or "").strip()
            hashed = str((entry or {}).get("token_sha256") or "").strip().lower()
            if name and _HEX.fullmatch(hashed):
                accounts.append((name, bytes.fromhex(hashed)))
            else:
                log.warning("operators file %s: an entry without a name or a 64-hex token_sha256 is ignored", path)
        _cache[path] = (mtime, tuple(accounts))
        return _cache[path][1]


def enabled(config) -> bool:
    """Whether the admin area exists: a shared token or at least one operator account."""
    return bool(config.admin_token) or bool(load_accounts(config.operators_file))


def operator_for(token: str, config) -> str | None:
    """The name of the operator whose token this is, else None. Every account is
    compared, in constant time, whatever matches."""
    given = digest(token)
    found = None
    for name, hashed in load_accounts(config.operators_file):
        if hmac.compare_digest(given, hashed) and found is None:
            found = name
    if config.admin_token and hmac.compare_digest(given, digest(config.admin_token)) and found is None:
        found = ADMIN_TOKEN_NAME
    return found


def main(argv: list[str]) -> int:
    """Make a token for a new operator: prints it and the entry for the operators file."""
    if len(argv) != 1 or not argv[0].strip():
        print('usage: python -m bot.operators "Họ và tên"', file=sys.stderr)
        return 2
    token = secrets.token_urlsafe(32)
    print(f"token (give it to the operator, it is not stored): {token}")
    print("entry for the operators file:")
    print(yaml.safe_dump({"operators": [{"name": argv[0].strip(), "token_sha256": digest(token).hex()}]},
                         allow_unicode=True, sort_keys=False).split("\n", 1)[1], end="")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
