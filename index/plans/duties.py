"""Duties of each agency in the "Tổ chức thực hiện" part of a plan.

Every subsection of that part names an agency in its heading ("1. Sở Thông tin và
Truyền thông", "2.5. UBND các huyện, thị xã, thành phố") and lists its duties as
lettered items, bullets or a paragraph. An item that ends with ":" introduces
sub-items ("- +" bullets or "-" under a lettered item); they stay with it.
"""
import re
from dataclasses import dataclass, field

from core.text import fold
from core.vocabulary import agency_for_label
from index.plans.source import Source
from index.plans.sections import Line, Plan, Section

_IMPLEMENTATION = "to chuc thuc hien"
# Deadlines as the plans write them: "trước ngày 01/12 hàng năm", "trước 20 tháng 12
# hàng năm", "chậm nhất 40 ngày, sau khi ... có hiệu lực", "định kỳ hằng năm".
_DEADLINES = [
    re.compile(r"(?:trước|chậm nhất|hạn)\s+(?:ngày\s+)?\d{1,2}(?:/\d{1,2}(?:/\d{4})?|\s+tháng\s+\d{1,2})"
               r"(?:\s+(?:hàng|hằng)\s+năm)?", re.I),
    re.compile(r"chậm nhất\s+\d+\s+ngày[^)]*", re.I),
    re.compile(r"định kỳ\s+(?:hàng|hằng)\s+năm", re.I),
]


@dataclass
class Duty:
    text: str
    line: int
    deadlines: list[str] = field(default_factory=list)
    items: list[str] = field(default_factory=list)      # sub-items of a duty ending in ":"

    def as_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass(frozen=True)
class DutyRecord(Source):
    """The duties of one agency in one plan; its source is the agency's heading."""
    agency: str              # canonical id
    agency_label: str        # the plan's own heading
    duties: list[Duty]

    def as_dict(self) -> dict:
        data = dict(self.__dict__)
        data["duties"] = [duty.as_dict() for duty in self.duties]
        return data


def find_deadlines(text: str) -> list[str]:
    found = []
    for pattern in _DEADLINES:
        for match in pattern.finditer(text):
            phrase = match.group().strip(" ,;.")
            if not any(phrase in other or other in phrase for other in found):
                found.append(phrase)
    return found


def implementation_sections(plan: Plan) -> list[Section]:
    """The subsections of "Tổ chức thực hiện" that hold duties, innermost first
    where a plan groups them ("2. Nhiệm vụ cụ thể" › "2.1. Sở ...")."""
    parts = [s for s in plan.sections() if _IMPLEMENTATION in fold(s.title)]
    found = []
    for part in parts:
        for section in part.walk():
            if section is not part and section.lines:
                found.append(section)
    return found


# Subsections of "Tổ chức thực hiện" that are clauses of the document, not agencies
# (index/plans/document_facts.py reads them).
_DOCUMENT_CLAUSES = ("chuyen tiep", "kinh phi", "bao cao")


def unknown_agencies(plan: Plan) -> list[Section]:
    """Subsections of "Tổ chức thực hiện" whose heading names no agency of the
    vocabulary (data/knowledge/agencies.yml): their duties are not extracted, so
    `index preview` / `index show` warn about them."""
    return [section for section in implementation_sections(plan)
            if agency_for_label(_agency_label(section)) is None
            and not any(clause in fold(section.title) for clause in _DOCUMENT_CLAUSES)]


def _group_duties(lines: list[Line]) -> list[Duty]:
    duties: list[Duty] = []
    parent_depth = None           # depth of a duty that introduced sub-items with ":"
    for line in lines:
        depth = line.bullet if not line.marker else 0
        if duties and parent_depth is not None and depth > parent_depth:
            duties[-1].items.append(line.text)
            duties[-1].deadlines += [d for d in find_deadlines(line.text) if d not in duties[-1].deadlines]
            continue
        duties.append(Duty(line.text, line.number, find_deadlines(line.text)))
        parent_depth = depth if line.text.endswith(":") else None
    return duties


def _agency_label(section: Section) -> str:
    return re.sub(r"^Nhiệm vụ (?:chung )?của\s+", "", section.title).strip()


def extract_duties(plan: Plan) -> list[DutyRecord]:
    records = []
    for section in implementation_sections(plan):
        label = _agency_label(section)
        agency = agency_for_label(label)
        if agency is None:          # e.g. "Điều khoản chuyển tiếp": not an agency
            continue
        records.append(DutyRecord(
            province=plan.info.province, agency=agency.id, agency_label=label,
            duties=_group_duties(section.lines), section=section.path_text,
            document=plan.info.document, plan=plan.id, anchor=section.anchor,
            line=section.line, page=section.page))
    return records
