"""The one reader of the curated knowledge files in data/knowledge/.

Every module that needs a knowledge file (vocabularies, places, programmes, query
words, the NLU lookups) asks here, so the folder is named once and each file is parsed
once per process.
"""
from functools import lru_cache
from pathlib import Path

import json

import yaml

from core import settings

KNOWLEDGE_DIR = settings.PROJECT_ROOT / "data" / "knowledge"


@lru_cache(maxsize=None)
def load(name: str) -> dict | list:
    """The parsed YAML of data/knowledge/<name> ("programmes.yml"); {} for an empty file.
    A ".json" file (generated data, e.g. admin_units.json) is parsed as JSON: much faster
    than YAML for thousands of rows.

    Raises FileNotFoundError for a missing file, yaml.YAMLError or json.JSONDecodeError for
    a malformed one. The result is cached and shared: callers must not modify it.
    """
    with open(KNOWLEDGE_DIR / name, encoding="utf-8") as handle:
        if name.endswith(".json"):
            return json.load(handle) or {}
        return yaml.safe_load(handle) or {}


def path(name: str) -> Path:
    """Where data/knowledge/<name> is, for messages and change checks."""
    return KNOWLEDGE_DIR / name
