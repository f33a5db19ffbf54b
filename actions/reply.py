"""What an answer is, before it becomes Rasa messages: text, kind, sources, buttons.

Every bot message carries a custom payload {"kind": ..., "sources": [...]} so the web
app and the scorer know what kind of answer it is and where it comes from; the first
source is the one the answer relies on most.
"""
import re
from dataclasses import dataclass, field

from actions.phrases import say

KINDS = ("target", "status", "duty", "compare", "document", "programme", "eligibility",
         "search", "clarify", "no_plan", "out_of_scope", "fallback", "chitchat")


@dataclass
class Reply:
    kind: str
    text: str
    sources: list[dict] = field(default_factory=list)
    buttons: list[dict] = field(default_factory=list)
    table: dict | None = None
    # What this answer was about, kept for follow-ups ("còn năm 2030 thì sao?").
    context: dict | None = None

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown answer kind {self.kind!r}")

    def payload(self) -> dict:
        data = {"kind": self.kind, "sources": self.sources}
        if self.table:
            data["table"] = self.table
        return data


def plan_source(province: str, document: str, section: str, plan: str = "", anchor: str = "") -> dict:
    return {"province": province, "document": document, "section": section, "plan": plan, "anchor": anchor}


def record_source(record) -> dict:
    """The reply source of any record of the index (index.plans.Source: a value, duty,
    document fact, clause, search hit or an answer unit's fact). A plan's: province,
    document, section, plan, anchor, and "page" (the printed page) when the plan file
    has pages; a fact outside the plans: no province, its document and URL."""
    source = record.source
    if not source.plan:
        return {"province": "", "document": source.document, "section": source.section, "url": source.url}
    out = plan_source(source.province, source.document, source.section, source.plan, source.anchor)
    if source.page:
        out["page"] = source.page
    return out


def unique_sources(sources: list[dict]) -> list[dict]:
    seen, out = set(), []
    for source in sources:
        key = (source.get("province"), source.get("document"), source.get("section"), source.get("url"))
        if key not in seen:
            seen.add(key)
            out.append(source)
    return out


def cite(item, titled: bool = True) -> str:
    """Where a record or search hit of a plan stands: its short section (without the
    section's title when not `titled`: "mục VI.7"), and its printed page when the plan
    came from a Word or PDF file with pages ("mục II.2 (…), trang 5").
    `item`: anything with `section` (a "›" path) and optionally `page` (int, 0: none)."""
    section = short_section(item.section)
    if not titled:
        section = section.split(" (")[0]
    page = getattr(item, "page", 0) or 0
    return say("utter_section_page", section=section, page=page) if page else section


def short_section(path: str) -> str:
    """"III. MỤC TIÊU ĐẾN NĂM 2025 › 1. Mạng viễn thông ..." → "mục III.1 (Mạng viễn thông ...)"."""
    parts = [part.strip() for part in path.split("›")]
    numbers = []
    for part in parts:
        if match := re.match(r"^([IVX]+|\d+(?:\.\d+)*|[a-zđ])[.)]\s", part):
            number = match.group(1)
            if numbers and "." in number:        # "2.1.2" already contains "2.1"
                numbers = [n for n in numbers if not number.startswith(n + ".")]
            numbers.append(number)
        elif part.startswith("Phần thứ"):
            numbers.append(" ".join(part.split()[:3]))
    last = re.sub(r"^([IVX]+|\d+(?:\.\d+)*|[a-zđ])[.)]\s", "", parts[-1]).rstrip(".")
    if not numbers:
        return last
    label = ".".join(n for n in numbers if not n.startswith("Phần"))
    prefix = next((n for n in numbers if n.startswith("Phần")), "")
    label = f"{prefix}, mục {label}" if prefix else f"mục {label}"
    return f"{label} ({last[:1].upper() + last[1:].lower() if last.isupper() else last})"


def number_text(value: float) -> str:
    """80.0 → "80", 22.69 → "22,69", 3353 → "3.353": as Vietnamese texts write numbers."""
    if value == int(value):
        return f"{int(value):,}".replace(",", ".")
    return f"{value:g}".replace(".", ",")


def bullet_list(lines: list[str]) -> str:
    return "\n".join(f"• {line}" for line in lines)
