"""The assistant's words: Rasa responses of the domain (domain/responses/*.yml),
filled in by the actions.

An action decides what to say and with which values; the sentence itself is a response
`utter_<name>` whose text holds `{variables}` in Rasa's own syntax, so rewording an
answer is a change to YAML, not to Python:

    >>> say("utter_value_line", label="Tốc độ", value="100 Mbps", when="năm 2025")
    'Tốc độ: 100 Mbps (năm 2025)'

The action server reads the same domain folder that Rasa is trained on.
"""
from functools import lru_cache
from pathlib import Path

import yaml

from core.settings import PROJECT_ROOT

DOMAIN_DIR = PROJECT_ROOT / "domain"


@lru_cache(maxsize=None)
def responses(directory: Path = DOMAIN_DIR) -> dict[str, list[dict]]:
    """Every response of the domain folder: {"utter_x": [{"text": ..., "buttons": ...}, ...]}.

    Raises ValueError when two files define the same response."""
    found: dict[str, list[dict]] = {}
    for path in sorted(directory.rglob("*.yml")):
        part = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("responses") or {}
        for name, variations in part.items():
            if name in found:
                raise ValueError(f"response {name} is defined twice (second time in {path})")
            found[name] = variations
    return found


class _Strict(dict):
    def __missing__(self, key):
        raise KeyError(f"response variable {{{key}}} has no value")


def say(response: str, /, **values) -> str:
    """The text of `response` (its first variation) with `values` filled in.

    Raises KeyError for an unknown response or a variable without a value."""
    try:
        template = responses()[response][0]["text"]
    except KeyError:
        raise KeyError(f"no response {response} in {DOMAIN_DIR}") from None
    return template.format_map(_Strict(values))


def buttons(response: str, /, **values) -> list[dict]:
    """The buttons of `response` ([] when it has none): [{"title", "payload"}], with
    `values` filled into both."""
    return [{key: text.format_map(_Strict(values)) for key, text in button.items()}
            for button in responses()[response][0].get("buttons") or []]
