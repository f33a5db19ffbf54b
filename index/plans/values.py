"""Targets (mục tiêu) and current status (hiện trạng) values of a plan.

A value is a number with its unit and qualifier in a target or status section:
"Tỷ lệ dùng chung vị trí BTS: 30%", "... đạt trên 85%", "tối thiểu 40 Mbit/s",
"100% cơ quan, tổ chức nhà nước, 70% doanh nghiệp sử dụng nền tảng số", or a count in
prose ("... với 169 đường truyền"). Each value is mapped to a canonical indicator
(core/vocabulary.py) and keeps the plan's own label and its exact source line.
Numbers that are not values (years, dates, document numbers, "4G", "thứ 5", anything
in parentheses) are skipped.
"""
import re
from dataclasses import dataclass

from core.text import fold
from core.vocabulary import Indicator, indicator_for_count, indicator_for_label
from index.plans.source import Source
from index.plans.sections import Line, Plan, Section


@dataclass(frozen=True)
class ValueRecord(Source):
    """One target or status value, with the line it was read from (`source`)."""
    kind: str                 # "target" or "status"
    year: int | None
    indicator: str           # canonical id, "" when the label maps to none
    label: str                # the plan's own wording
    value: float
    unit: str
    qualifier: str            # "trên", "tối thiểu", "duy trì", "khoảng", "phấn đấu", ...
    text: str                 # the source line
    denominator: int | None = None     # "172/172 xã": value 172 of 172

    def as_dict(self) -> dict:
        return dict(self.__dict__)


_NUMBER = re.compile(
    r"(?<![\w/.,])"
    r"(?P<number>\d{1,3}(?:\.\d{3})+(?![.,]?\d)|\d+(?:[.,]\d+)?)"
    r"(?:\s*/\s*(?P<denominator>\d+)(?![/\d]))?"
    r"(?:\s*(?P<unit>%|Mbps|Mb/s|Mbit/s))?")
_QUALIFIERS = ("tối thiểu", "duy trì", "khoảng", "phấn đấu", "ít nhất", "tối đa",
               "trên", "hơn", "dưới", "gần")
_NOT_A_VALUE_BEFORE = re.compile(r"(năm|ngày|tháng|số|thứ|khóa|khoá|giai đoạn|điều|khoản)\s*$", re.I)
_CONNECTOR = re.compile(r"(?::|\bđạt\b:?|\blà\b)\s*$", re.I)
_PREDICATE_CUES = ("sử dụng", "được", "có", "kết nối")
_YEAR_IN_HEADING = re.compile(r"(?:năm|đến)\s+(20\d\d)", re.I)


@dataclass
class _Match:
    value: float
    denominator: int | None
    unit: str
    qualifier: str
    start: int           # where the qualifier (or number) starts in the clause
    end: int


def _parse_number(raw: str) -> float:
    if re.fullmatch(r"\d{1,3}(?:\.\d{3})+", raw):       # 3.353 → thousands separator
        return float(raw.replace(".", ""))
    return float(raw.replace(",", "."))


def _mask_parentheses(text: str) -> str:
    """Blank out parenthesised text, keeping offsets: "(4G)", "(SMP)", footnotes."""
    return re.sub(r"\([^()]*\)", lambda m: " " * len(m.group()), text)


def _values_in(clause: str) -> list[_Match]:
    masked = _mask_parentheses(clause)
    found = []
    for match in _NUMBER.finditer(masked):
        before, after = masked[:match.start()], masked[match.end():]
        # "năm 2025", "ngày 9/6/2022", "số 2224/BTTTT", "4G", "thứ 5" are not values
        if _NOT_A_VALUE_BEFORE.search(before) or re.match(r"[/\w]", after):
            continue
        raw = match.group("number")
        if not match.group("unit") and re.fullmatch(r"(19|20)\d\d", raw):
            continue
        qualifier, start = _qualifier_before(masked, match.start())
        unit = match.group("unit") or ""
        found.append(_Match(_parse_number(raw), _int(match.group("denominator")),
                            "Mbps" if unit.lower().startswith("mb") else unit,
                            qualifier, start, match.end()))
    return found


def _int(text: str | None) -> int | None:
    return int(text) if text else None


def _qualifier_before(text: str, position: int) -> tuple[str, int]:
    head = text[:position].rstrip()
    for qualifier in _QUALIFIERS:
        if fold(head).endswith(fold(qualifier)) and (len(head) == len(qualifier)
                                                      or not head[-len(qualifier) - 1].isalnum()):
            return qualifier, len(head) - len(qualifier)
    return "", position


_CLAUSE_END = re.compile(r";\s*|(?<=[^\d\s]{2})\.\s+(?=[A-ZĐÀ-Ỹ])")


def _clauses(text: str) -> list[str]:
    """Split a line at ";" and at sentence ends (". " before a capital), but never
    inside parentheses."""
    clauses, start = [], 0
    for boundary in _CLAUSE_END.finditer(_mask_parentheses(text)):
        clauses.append(text[start:boundary.start()])
        start = boundary.end()
    clauses.append(text[start:])
    return [c.strip().rstrip(".").strip() for c in clauses if c.strip()]


def _label_before(clause: str, start: int) -> str:
    head = clause[:start].rstrip()
    head = _CONNECTOR.sub("", head).rstrip(" :")
    return head.strip()


def _value_first_labels(clause: str, matches: list[_Match]) -> list[str]:
    """Labels for "100% cơ quan, tổ chức nhà nước, 70% doanh nghiệp sử dụng nền tảng số":
    each subject, completed by the predicate they share."""
    segments = [clause[m.end:n.start if n else len(clause)].strip(" ,")
                for m, n in zip(matches, matches[1:] + [None])]
    last = segments[-1]
    cue = min((last.find(f" {c} ") for c in _PREDICATE_CUES if f" {c} " in f" {last} "), default=-1)
    predicate = last[cue:].strip() if cue >= 0 else ""
    labels = [f"{segment} {predicate}".strip() for segment in segments[:-1]]
    return labels + [last]


def _is_value_first(clause: str, first: _Match) -> bool:
    """"100% hệ thống ...", "Phấn đấu 50% doanh nghiệp ...": the subject follows the value."""
    return fold(clause[:first.start].strip()) in ("", "phan dau", "trien khai cho")


def _labels(clause: str, matches: list[_Match]) -> list[tuple[str, bool]]:
    """(label, written as a labelled value?) for each value of a clause."""
    if _is_value_first(clause, matches[0]):
        return [(label, True) for label in _value_first_labels(clause, matches)]
    labels = []
    for match in matches:
        head = clause[:match.start].rstrip()
        if match is matches[0] and (match.qualifier or _CONNECTOR.search(head)):
            labels.append((_label_before(clause, match.start), True))
        else:                       # a value in mid-sentence: the clause is its label
            single_measure = len(matches) == 1 and match.unit in ("%", "Mbps")
            labels.append((clause, single_measure))
    return labels


def _records_for_clause(clause: str, line_text: str):
    """(match, label, indicator or None) for each value of one clause. A labelled
    percentage or speed the vocabulary cannot map is still returned (indicator None)
    so that a gap in the vocabulary shows up in the tests instead of a lost value."""
    matches = _values_in(clause)
    if not matches:
        return
    for match, (label, labelled) in zip(matches, _labels(clause, matches)):
        if not match.unit:
            counted = indicator_for_count(clause[match.end:], line_text)
            if counted is not None:
                yield match, clause, counted
                continue
        indicator = indicator_for_label(label)
        if indicator is not None and (labelled or indicator.nouns):
            yield match, label, indicator
        elif labelled and match.unit in ("%", "Mbps"):
            yield match, label, None


def _section_kind(section: Section) -> tuple[str, int | None] | None:
    """("status", None) under a "Hiện trạng" heading, ("target", year) under "Mục tiêu"."""
    kind, year = None, None
    for node in reversed(section.ancestors):
        heading = fold(node.heading)
        if kind is None and "hien trang" in heading:
            kind = "status"
        if kind is None and "muc tieu" in heading and "tong quat" not in heading:
            kind = "target"
        if year is None and (found := _YEAR_IN_HEADING.search(node.heading)):
            year = int(found.group(1))
    if kind is None:
        return None
    return kind, year


def _default_year(plan: Plan) -> int | None:
    years = re.findall(r"20\d\d", plan.info.period)
    return int(years[-1]) if years else None


def extract_values(plan: Plan) -> list[ValueRecord]:
    records = []
    for section in plan.sections():
        classified = _section_kind(section)
        if classified is None:
            continue
        kind, year = classified
        year = None if kind == "status" else (year or _default_year(plan))
        for line in section.lines:
            records.extend(_line_records(plan, section, line, kind, year))
    return records


def unclassified_values(plan: Plan) -> list[ValueRecord]:
    """Values with a known indicator written under no "Mục tiêu" / "Hiện trạng" heading
    (kind "unclassified"): a target list an operator forgot to put under its heading.
    They are not answered from; `index preview` and `index show` warn about them."""
    records = []
    for section in plan.sections():
        if section.style in ("preamble", "end") or _section_kind(section) is not None:
            continue
        for line in section.lines:
            records.extend(record for record in _line_records(plan, section, line, "unclassified", None)
                           if record.indicator)
    return records


_MEASURE = re.compile(r"%|\bMb(?:ps|/s|it/s)\b", re.I)


def unread_value_lines(plan: Plan, values: list[ValueRecord]) -> list[tuple[Section, Line]]:
    """Lines of target and status sections that write a percentage or a speed but gave
    no value (an OCR misreading such as "o0%", or wording the extractor cannot read)."""
    read = {(value.anchor, value.line) for value in values}
    return [(section, line) for section in plan.sections() if _section_kind(section) is not None
            for line in section.lines
            if _MEASURE.search(line.text) and (section.anchor, line.number) not in read]


def _line_records(plan: Plan, section: Section, line: Line, kind: str, year: int | None):
    for clause in _clauses(line.text):
        for match, label, indicator in _records_for_clause(clause, line.text):
            yield ValueRecord(
                kind=kind, province=plan.info.province, year=year,
                indicator=indicator.id if indicator else "", label=label.strip(" :."),
                value=match.value, unit=_unit(match, indicator), qualifier=match.qualifier,
                text=line.text, section=section.path_text, document=plan.info.document,
                plan=plan.id, anchor=section.anchor, line=line.number, page=line.page,
                denominator=None if _per_hundred(match) else match.denominator)


def _per_hundred(match: _Match) -> bool:
    return match.denominator == 100


def _unit(match: _Match, indicator: Indicator | None) -> str:
    return indicator.unit if indicator else match.unit
