"""Duties of each body in the "Tổ chức thực hiện" part of a plan.

Every subsection of that part names a body in its heading ("1. Sở Thông tin và
Truyền thông", "2.5. UBND các huyện, thị xã, thành phố", "1. Ban Quản lý các khu công
nghệ cao và khu công nghiệp") and lists its duties as lettered items, bullets or a
paragraph. An item that ends with ":" introduces sub-items ("- +" bullets or "-" under a
lettered item); they stay with it.

Every body is kept, known or not: `agency` is the canonical id of
data/knowledge/agencies.yml when the heading maps to one, "" otherwise, and the record
keeps the plan's own name (`agency_label`), by which questions find it. A heading that
lists several bodies with no one name for them ("Các Sở: Giao thông Vận tải, Xây dựng,
Công thương; Công ty Điện lực Đắk Nông") gives one record per body, the same duties each.

Deadlines come from the duties themselves ("trước ngày 01/12 hàng năm", "6 tháng một
lần"), from the closing paragraph that sets one for the bodies it names ("... các doanh
nghiệp viễn thông ...; định kỳ trước ngày 30 tháng 11 hàng năm báo cáo ..."), and from
task tables of the appendix ("TT | Nhiệm vụ | Cơ quan chủ trì | Cơ quan phối hợp | Thời
gian thực hiện"), whose rows give the lead body a duty with its time.
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
    re.compile(r"(?:định kỳ\s+)?\d{1,2}\s+tháng\s+(?:một|1)\s+lần", re.I),
    re.compile(r"(?:định kỳ\s+)?(?:hàng|hằng)\s+(?:tháng|quý)", re.I),
    re.compile(r"(?:trong\s+)?quý\s+[IV]{1,3}(?:\s*/\s*|\s+năm\s+)20\d\d", re.I),
    re.compile(r"(?<=hoàn thành )trong năm 20\d\d", re.I),
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
    vocabulary (data/knowledge/agencies.yml): their duties are kept under the plan's own
    name, and `index preview` / `index show` say so (no link for comparisons)."""
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
    return re.sub(r"^(?:Nhiệm vụ (?:chung )?của|Đề nghị|Giao|Trách nhiệm của)\s+", "", section.title,
                  flags=re.I).strip(" :")


_BODY_WORDS = ("Sở", "Ban", "UBND", "Ủy ban", "Uỷ ban", "Các", "Công ty", "Tổng công ty", "Doanh nghiệp",
               "Trung tâm", "Phòng", "Đài", "Báo", "Công an", "Bộ", "Văn phòng", "Viễn thông", "Bưu điện",
               "Chủ đầu tư", "Nhà đầu tư", "Hội", "Đoàn", "Mặt trận", "Bộ Chỉ huy", "Chi nhánh", "Cục", "Kho bạc",
               "Điện lực", "Tổ", "Hợp tác xã", "Trường", "Bệnh viện", "Quỹ", "Liên đoàn")


def _bodies(label: str) -> list[str]:
    """The bodies a heading names: itself when the vocabulary knows it or it names one;
    "Các Sở: A, B, C; Công ty X" → ["Sở A", "Sở B", "Sở C", "Công ty X"]."""
    listing = re.search(r"\b(?:Sở|Ban|Phòng|Công ty|Trung tâm)\s*:", label, re.I)
    if agency_for_label(label) is not None and not listing:
        return [label]
    bodies = []
    for part in re.split(r";\s*", label):
        listed = re.match(r"^(?:các\s+)?(Sở|Ban|Phòng|Công ty|Trung tâm)\s*:\s*(.+)$", part.strip(), re.I)
        if listed:
            kind = listed.group(1)
            kind = kind[0].upper() + kind[1:]
            bodies += [f"{kind} {name}" for name in _listed_names(kind, listed.group(2))]
        elif part.strip():
            bodies.append(part.strip())
    return bodies or [label]


def _listed_names(kind: str, text: str) -> list[str]:
    """"Xây dựng, Công Thương, Văn hóa, Thể thao và Du lịch" → ["Xây dựng", "Công Thương",
    "Văn hóa, Thể thao và Du lịch"]: a name with "và" takes the name before it when that
    one alone is no known body ("Tài chính, Kế hoạch và Đầu tư" stays two)."""
    fragments = [name.strip() for name in re.split(r",\s*", text) if name.strip()]
    names: list[str] = []
    for fragment in fragments:
        if names and " và " in f" {fragment} " and " và " not in names[-1] \
                and agency_for_label(f"{kind} {fragment}") is None and agency_for_label(f"{kind} {names[-1]}") is None:
            names[-1] = f"{names[-1]}, {fragment}"
        else:
            names.append(fragment)
    return names


def _record(plan: Plan, label: str, duties: list[Duty], section: Section, line: int, page: int) -> DutyRecord:
    agency = agency_for_label(label)
    return DutyRecord(province=plan.info.province, agency=agency.id if agency else "", agency_label=label,
                      duties=duties, section=section.path_text, document=plan.info.document, plan=plan.id,
                      anchor=section.anchor, line=line, page=page)


def _is_clause(section: Section) -> bool:
    return any(clause in fold(section.title) for clause in _DOCUMENT_CLAUSES)


def _closing_paragraphs(plan: Plan) -> list[Line]:
    """Lines after the last body of "Tổ chức thực hiện" that set a deadline: the closing
    formula ("... định kỳ trước ngày 30 tháng 11 hàng năm báo cáo ...")."""
    found = []
    for section in plan.sections():
        part = _IMPLEMENTATION in fold(section.title)
        closing = section.style == "end" and section.title == "Phần kết"
        if part or closing:
            found += [line for line in section.lines if find_deadlines(line.text)]
    return found


def _named_in(label: str, text: str) -> bool:
    """Whether a closing paragraph names the body: the label up to its first comma,
    without "các", in the paragraph's words ("các doanh nghiệp viễn thông")."""
    head = re.split(r"[,(;]", label, maxsplit=1)[0]
    words = [w for w in fold(head).split() if w != "cac"]
    text_words = " ".join(re.findall(r"\w+", fold(text)))
    return bool(words) and f" {' '.join(words)} " in f" {text_words} "


_GENERIC_SUBJECT = re.compile(r"^(?:.{0,40}\b(?:yêu cầu|đề nghị)\s+)?các\s+(?:cơ quan|bộ phận|đơn vị|sở|phòng)\b", re.I)


def _bound_by(text: str, records: list[DutyRecord]) -> list[DutyRecord]:
    """The bodies a closing paragraph sets its deadline for: those it names before the
    body reports go to ("... báo cáo ... về Ban Quản lý ..."), or every body but that one
    when it speaks to all ("Các cơ quan, đơn vị báo cáo ... trước ngày 20 tháng 11")."""
    parts = re.split(r"\s(?:về|qua)\s", text, maxsplit=1)
    subject, recipient = parts[0], parts[1] if len(parts) > 1 else ""
    named = [r for r in records if _named_in(r.agency_label, subject) and not _named_in(r.agency_label, recipient)]
    if named:
        return named
    if _GENERIC_SUBJECT.match(subject.strip()):
        return [r for r in records if not _named_in(r.agency_label, recipient)]
    return []


# Task tables: "TT | Nhiệm vụ | Cơ quan chủ trì | Cơ quan phối hợp | Thời gian | ...".
_TIME_CELL = re.compile(r"^(?:(?:quý|qúy)\s+[IV]+.*|.*\b20\d\d\b.*|thường xuyên|hàng năm|hằng năm|hàng quý|"
                        r"hằng quý|hàng tháng|hằng tháng|định kỳ.*|trước .*|\d{1,2} tháng (?:một|1) lần)$", re.I)


def _body_key(name: str) -> str:
    """A body's name for telling two spellings apart: folded words, "Ủy ban nhân dân" as
    "ubnd", "các" and parenthesised notes left out ("Sở Thông tin và Truyền thông (Giao
    Phòng Bưu chính Viễn thông)" = "Sở Thông tin và Truyền thông")."""
    text = " ".join(re.findall(r"\w+", fold(re.sub(r"\([^)]*\)", " ", name))))
    text = re.sub(r"\buy ban nhan dan\b", "ubnd", text)
    return " ".join(word for word in text.split() if word != "cac")


def _merge(records: list[DutyRecord], table: list[DutyRecord]) -> list[DutyRecord]:
    """The appendix's duties of a body the plan already gave duties to join its record
    (each duty keeps its own line); a body only the appendix names gets its own."""
    merged = list(records)
    for record in table:
        same = next((r for r in merged if _body_key(r.agency_label) == _body_key(record.agency_label)), None)
        if same is None:
            merged.append(record)
        else:
            same.duties.extend(duty for duty in record.duties
                               if all(duty.line != mine.line for mine in same.duties))
    return merged


def _table_duties(plan: Plan) -> list[DutyRecord]:
    """One record per lead body of the appendix task tables, one duty per row."""
    by_body: dict[str, DutyRecord] = {}
    for section in plan.sections():
        for line in section.lines:
            cells = [cell.strip() for cell in line.text.split(" | ")]
            if len(cells) < 4 or not re.fullmatch(r"\d{1,2}", cells[0]):
                continue
            lead = cells[2]
            if not lead.startswith(_BODY_WORDS) or len(lead) > 160:
                continue
            times = [cell for cell in cells[3:] if _TIME_CELL.match(cell) and len(cell) < 60]
            duty = Duty(cells[1], line.number, times[:1] + [d for d in find_deadlines(cells[1]) if d not in times])
            for body in _bodies(lead):
                if body not in by_body:
                    by_body[body] = _record(plan, body, [], section, line.number, line.page)
                by_body[body].duties.append(duty)
    return list(by_body.values())


def extract_duties(plan: Plan) -> list[DutyRecord]:
    records = []
    for section in implementation_sections(plan):
        if _is_clause(section):     # "Kinh phí", "Điều khoản chuyển tiếp": not a body
            continue
        label = _agency_label(section)
        for body in _bodies(label):
            records.append(_record(plan, body, _group_duties(section.lines), section, section.line, section.page))
    for line in _closing_paragraphs(plan):
        for record in _bound_by(line.text, records):
            if not any(duty.line == line.number for duty in record.duties):
                record.duties.append(Duty(line.text, line.number, find_deadlines(line.text)))
    return _merge(records, _table_duties(plan))
