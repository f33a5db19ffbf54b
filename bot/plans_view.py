"""The plans as the source pages show them, shaped for Jinja: loaded once, and again
after each publication (index/published.py: the reload helper the action server uses too).

Citations link to /plans/<id>#<section anchor>, and every body line gets the anchor
"L<source line number>", so a citation can also point at the exact line a value
came from.
"""
import logging
from dataclasses import dataclass
from pathlib import Path

import yaml

from index.plans import Line, Plan, Section, load_plans
from index.published import Reloading

log = logging.getLogger(__name__)

# What the pages say (bot/messages.yml, pages).
WORDS: dict = yaml.safe_load(Path(__file__).with_name("messages.yml").read_text(encoding="utf-8"))["pages"]

def _load() -> dict[str, Plan]:
    loaded, errors = load_plans()
    for error in errors:
        log.error("plan not shown: %s", error)
    return {plan.id: plan for plan in loaded}


_plans = Reloading(_load, "plan pages")


def plans() -> dict[str, Plan]:
    """Plans by id, parsed on first use and again when a new version is published (the
    admin page); a plan that fails to parse is logged, not shown."""
    return _plans.get()


def format_date(value: str) -> str:
    """"2023-12-26" → "26/12/2023", "2023-10" → "10/2023", "2025" → "2025"."""
    parts = value.split("-") if value else []
    return "/".join(reversed(parts)) if parts else WORDS["no_date"]


@dataclass
class Block:
    kind: str            # "p" or "list"
    lines: list[Line]


def blocks(lines: list[Line]) -> list[Block]:
    """Body lines grouped: consecutive bullet lines form one list, others paragraphs."""
    out: list[Block] = []
    for line in lines:
        if line.bullet:
            if out and out[-1].kind == "list":
                out[-1].lines.append(line)
            else:
                out.append(Block("list", [line]))
        else:
            out.append(Block("p", [line]))
    return out


def heading_level(section: Section) -> int:
    """h2 for top-level sections (h1 is the plan title), down to h6."""
    return min(1 + len(section.ancestors), 6)


def header(plan: Plan) -> dict:
    info = plan.info
    return {
        "province": info.province,
        "title": info.title,
        "number": info.number or WORDS["no_number"],
        "date": format_date(info.date),
        "period": info.period,
        "status": WORDS["status"].get(info.status, info.status or WORDS["status_unknown"]),
        "is_draft": info.status == "draft",
        "signer": (WORDS["signer"].format(signer=info.signer, title=info.signer_title)
                   if info.signer and info.signer_title else info.signer or WORDS["unsigned"]),
        "document": info.document,
    }
