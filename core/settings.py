"""Project settings: `settings.yml` at the project root, overridden by HTS_* variables.

Every part of the assistant reads its settings here, so one variable (for example
HTS_EMBEDDING_MODEL) switches a setting for the index builder, the action server and
the tests alike.
"""
import os
from functools import lru_cache
from pathlib import Path

import yaml

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SETTINGS_FILE = PROJECT_ROOT / "settings.yml"


@lru_cache(maxsize=None)
def _file_settings() -> dict:
    with open(SETTINGS_FILE, encoding="utf-8") as handle:
        return yaml.safe_load(handle) or {}


def get(section: str, key: str, default=None):
    """Value of `section.key`: environment HTS_<SECTION>_<KEY> first, then the file."""
    env_name = f"HTS_{section}_{key}".upper()
    if env_name in os.environ:
        return os.environ[env_name]
    return _file_settings().get(section, {}).get(key, default)


def project_path(value: str) -> Path:
    """A path setting, resolved against the project root when relative."""
    path = Path(value)
    return path if path.is_absolute() else PROJECT_ROOT / path
