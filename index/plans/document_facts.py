"""Facts about a plan as a document: its legal bases (căn cứ), funding (kinh phí),
reporting regime (chế độ báo cáo), transitional clause, and what it says about the
2G shutdown and the public-utility telecom programme (VTCI). Number, date, signer and
status come from the catalogue (data/plans/catalog.yml)."""
import re
from dataclasses import dataclass, field

from core.text import fold
from index.plans.duties import find_deadlines
from index.plans.source import Source
from index.plans.sections import Plan, Section

_BASIS_OPENERS = ("can cu", "thuc hien", "xet de nghi", "theo de nghi")
_REFERENCE = re.compile(
    r"(Quyết định|Nghị quyết|Nghị định|Công văn|Thông tư|Tờ trình|Chỉ thị|Kế hoạch|Luật)"
    r"\s+(?:số\s*)?\d*[/-][^\s,;:]+")
_CLOSING = ("tren day la",)
_VTCI = ("vien thong cong ich", "vtci")


@dataclass(frozen=True)
class DocumentFact(Source):
    """One line of a plan that states a fact about the plan as a document."""
    kind: str            # legal_basis, funding, reporting, transitional, 2g, vtci
    text: str
    references: list[str] = field(default_factory=list)
    deadlines: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def references_in(text: str) -> list[str]:
    """Legal references as written: "Quyết định số 749/QĐ-TTg", "Nghị quyết 02-NQ/TU"."""
    return [re.sub(r"\s+", " ", match.group()).strip(" ,.;") for match in _REFERENCE.finditer(text)]


def _kinds_of(section: Section, text: str) -> list[str]:
    heading = " ".join(fold(node.title) for node in section.ancestors)
    folded = fold(text)
    if folded.startswith(_CLOSING):         # "Trên đây là Kế hoạch ...": the closing formula
        heading = ""
    kinds = []
    if section.style == "preamble" and folded.startswith(_BASIS_OPENERS) or "can cu" in heading:
        kinds.append("legal_basis")
    if "kinh phi" in heading:
        kinds.append("funding")
    if "che do bao cao" in heading or ("bao cao" in folded and find_deadlines(text)):
        kinds.append("reporting")
    if "chuyen tiep" in heading:
        kinds.append("transitional")
    if re.search(r"\b2G\b", text):
        kinds.append("2g")
    if any(term in folded for term in _VTCI):
        kinds.append("vtci")
    return kinds


def extract_document_facts(plan: Plan) -> list[DocumentFact]:
    facts = []
    for section in plan.root.walk():
        for line in section.lines:
            for kind in _kinds_of(section, line.text):
                facts.append(DocumentFact(
                    kind=kind, province=plan.info.province, text=line.text,
                    section=section.path_text, document=plan.info.document, plan=plan.id,
                    anchor=section.anchor, line=line.number, page=line.page,
                    references=references_in(line.text) if kind == "legal_basis" else [],
                    deadlines=find_deadlines(line.text)))
    return facts
