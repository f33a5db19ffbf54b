"""Clauses of a plan's body that officials ask about: the documents it refers to and
the deadlines it sets, wherever they stand in the text (not only in "Căn cứ" or in an
agency's own section of "Tổ chức thực hiện").

A clause is a line of a section cut at ";" (a "Căn cứ" line or a reporting paragraph
often lists several documents or several agencies). Each clause keeps its section, so
an answer quotes it with its source.
"""
import re
from dataclasses import dataclass, field

from core.vocabulary import agencies, phrase_text
from index.plans.duties import find_deadlines
from index.plans.source import Source
from index.plans.sections import Plan

# A document the plan refers to: "Quyết định số 557/QĐ-UBND ngày 02/3/2018",
# "Kế hoạch số 370/KH-UBND", "Thông tư số 14/2022/TT-BTTTT", "Nghị quyết 09-NQ/TU".
_REFERENCE = re.compile(
    r"\b(Quyết định|Kế hoạch|Thông tư|Nghị quyết|Nghị định|Chỉ thị|Công văn|Tờ trình|Chương trình|Luật)"
    r"\s+(?:số\s+)?(\d+[\w/.\-]*[A-ZĐ][\w/.\-]*)", re.I)


@dataclass(frozen=True)
class Clause(Source):
    """A clause of a plan that refers to a document or sets a deadline."""
    text: str
    references: list[str] = field(default_factory=list)    # "Quyết định số 557/QĐ-UBND"
    deadlines: list[str] = field(default_factory=list)
    agencies: list[str] = field(default_factory=list)      # ids of the agencies it names


def references_in(text: str) -> list[str]:
    return [f"{m.group(1)} số {m.group(2).rstrip('.,;')}" for m in _REFERENCE.finditer(text)]


def agencies_named(text: str) -> list[str]:
    """Agencies (data/knowledge/agencies.yml) the clause names, by their heading rules
    or their spoken names."""
    folded = phrase_text(text)
    found = []
    for agency in agencies():
        spoken = [" ".join(phrase_text(p).split()) for p in (*agency.ask, agency.name)]
        if agency.rule.matches(folded) or any(p and f" {p} " in folded for p in spoken):
            found.append(agency.id)
    return found


def _clauses(text: str) -> list[str]:
    """A line cut at ";" outside parentheses."""
    parts, depth, current = [], 0, ""
    for char in text:
        depth += char == "("
        depth -= char == ")" and depth > 0
        if char == ";" and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    return [part.strip() for part in parts if part.strip()]


def plan_clauses(plan: Plan) -> list[Clause]:
    """Every clause of the plan that refers to a document or sets a deadline."""
    found = []
    for section in plan.sections():
        for line in section.lines:
            pieces = _clauses(line.text)
            for number, piece in enumerate(pieces):
                references, deadlines = references_in(piece), find_deadlines(piece)
                if not (references or deadlines):
                    continue
                text = piece
                if deadlines and number + 1 < len(pieces) and len(piece) < 60:
                    # "Định kỳ trước ngày 01/12 hàng năm; các sở, ban, ngành ...; UBND ...
                    # báo cáo ...": the deadline opens a sentence whose subject follows.
                    text = "; ".join(pieces[number:])
                found.append(Clause(plan=plan.id, province=plan.info.province,
                                    document=plan.info.document, section=section.path_text,
                                    anchor=section.anchor, line=line.number, page=line.page,
                                    text=text, references=references, deadlines=deadlines,
                                    agencies=agencies_named(text)))
    return found
