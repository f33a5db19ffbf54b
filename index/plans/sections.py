"""Parse a plan document into a section tree.

The plans follow one ministry template but were typed differently: some carry markdown
(`##`, `**bold**`), numbering mixes "Phần thứ…", I./II., 1./2.1./2.1.1., a)/b) and
-/+ bullets, markdown heading levels do not match the numbering, and page breaks cut
sentences in two ("... các hạ" / blank line / "tầng kỹ thuật ..."). The tree is built
from the numbering alone; markdown only strengthens the decision that a line is a
heading. Every body line keeps the number of the source line it starts on, and the
page it was printed on when the document has pages (Word, PDF: index/plans/readers.py),
so every record extracted from the tree can cite its exact line and page.
"""
import re
from dataclasses import dataclass, field
from pathlib import Path

from core.text import fold
from index.plans.catalog import PlanInfo, load_catalog, plans_dir
from index.plans.copy_noise import clean_math, flatten_tables
from index.plans.readers import PlanParseError, decode_plan, read_document

__all__ = ["Line", "Section", "Plan", "PlanParseError", "decode_plan", "strip_markdown", "parse_plan", "read_plan",
           "load_plans"]


@dataclass
class Line:
    number: int          # 1-based line number in the source file
    text: str            # cleaned text (markdown removed, page-break cuts joined)
    bullet: int = 0      # 0 paragraph, 1 "-" item, 2 "+" sub-item
    marker: str = ""     # "a)", "1." for a numbered item that is not a heading
    page: int = 0        # 1-based page of the printed document; 0 when it has no pages


@dataclass
class Section:
    number: str          # "VI", "2.1", "a", "" for the document root
    title: str
    style: str           # a key of _RANKS: root, part, roman, decimal, letter, end
    rank: int            # depth in the numbering scheme, see _RANKS
    line: int
    parent: "Section | None" = None
    children: list["Section"] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    anchor: str = ""
    page: int = 0        # page of the heading line; 0 when the document has no pages

    @property
    def heading(self) -> str:
        if self.style == "part":
            return f"Phần thứ {self.number} {self.title}".strip()
        if not self.number:
            return self.title
        separator = ")" if self.style == "letter" else "."
        return f"{self.number}{separator} {self.title}"

    @property
    def ancestors(self) -> list["Section"]:
        """From the top-level section down to this one (the document root excluded)."""
        chain, node = [], self
        while node is not None and node.parent is not None:
            chain.append(node)
            node = node.parent
        return chain[::-1]

    @property
    def path(self) -> list[str]:
        return [section.heading for section in self.ancestors]

    @property
    def path_text(self) -> str:
        return " › ".join(self.path) or self.title

    def walk(self):
        yield self
        for child in self.children:
            yield from child.walk()

    def body_text(self) -> str:
        return "\n".join(line.text for line in self.lines)


@dataclass
class Plan:
    info: PlanInfo
    root: Section

    @property
    def id(self) -> str:
        return self.info.id

    def sections(self):
        """Every section below the root, in document order."""
        yield from (section for section in self.root.walk() if section is not self.root)

    def section_by_anchor(self, anchor: str) -> Section | None:
        return next((s for s in self.root.walk() if s.anchor == anchor), None)


# Numbering styles, outermost first. Decimal numbers take a rank per level (1., 2.1.,
# 2.1.1.), so the rank of "2.1.1." is decimal + 2.
# The preamble ends at the first heading of any kind, hence its high rank.
_RANKS = {"root": -1, "part": 0, "roman": 1, "decimal": 2, "letter": 7, "end": 0, "preamble": 99}

_PART = re.compile(r"^Phần\s+thứ\s+(nhất|hai|ba|tư|năm|sáu|bảy)\b[\s.:]*(.*)$", re.I)
_ROMAN = re.compile(r"^([IVX]{1,6})\s*(?:[.)]|\s[-–])\s*(\S.*)$")
_DECIMAL = re.compile(r"^(\d{1,2}(?:\.\d{1,2}){0,3})(?:[.)]\s*|\s+(?=\D))(\S.*)$")
_DECIMAL_STRICT = re.compile(r"^\d{1,2}(?:\.\d{1,2})+$")
_LETTER = re.compile(r"^([a-zđ])(?:\)\s*|\.\s+(?=[A-ZĐÀ-Ỹ]))(\S.*)$")
_BULLET = re.compile(r"^([-–•+])\s*")
_END_MATTER = re.compile(r"^Nơi nhận\s*:?$", re.I)
# The closing formula after the last section: "Trên đây là Kế hoạch ..." and the
# paragraph that ends the body with "./." (sometimes followed by a typist's initials).
_CLOSING_START = re.compile(r"^Trên đây là\b", re.I)
_BODY_END = re.compile(r"\.\s*/\s*\.?\s*\w{0,4}\s*$")
_ROMAN_VALUES = {"I": 1, "V": 5, "X": 10}

# A numbered line longer than this is a numbered paragraph, not a heading.
_HEADING_MAX = 110
# ... unless its siblings are headings: then only a very long line is a paragraph.
_SIBLING_HEADING_MAX = 220


def _roman_value(numeral: str) -> int:
    total = 0
    for current, following in zip(numeral, numeral[1:] + " "):
        value = _ROMAN_VALUES[current]
        total += -value if _ROMAN_VALUES.get(following, 0) > value else value
    return total


def _is_roman(numeral: str) -> bool:
    value = _roman_value(numeral)
    return 0 < value < 40 and _to_roman(value) == numeral


def _to_roman(value: int) -> str:
    out = ""
    for number, letters in ((10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while value >= number:
            out += letters
            value -= number
    return out


def strip_markdown(raw: str) -> tuple[str, bool]:
    """Text without markdown, and whether the markup marked it as a heading."""
    text = clean_math(raw.replace("\t", " ")).strip()
    marked = bool(re.match(r"^#{1,6}\s", text))
    text = re.sub(r"^#{1,6}\s*", "", text)
    if re.fullmatch(r"\*\*.+\*\*", text) and "**" not in text[2:-2]:
        marked = True
    text = text.replace("**", "")
    text = re.sub(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])", r"\1", text)
    text = text.strip("* ").rstrip("\\")
    return re.sub(r"\s+", " ", text).strip(), marked


def _continues_previous(text: str) -> bool:
    """A line that starts in lowercase continues a cut sentence, unless it is an item
    of a lettered list ("a) ...", "đ) ..."); so does a line that starts with a number
    and is no heading ("khoảng" / "180 trạm, trong đó ...", "ứng dụng" / "5G, IoT ...")."""
    if not text:
        return False
    if text[0].isdigit():
        return re.match(r"\d[\d.,]*\s*(?:%|[^\W\d_])", text) is not None and _heading_candidate(text) is None
    return text[0].islower() and not _LETTER.match(text)


_WRAP_MIN = 25     # a hard-wrapped line of a copied page is at least this long


def _wrapped_line(previous: str, text: str, marked: bool) -> bool:
    """Copies of web pages wrap paragraphs at a fixed width, so a line may start in
    capitals and still continue the line above ("- Chủ trì, phối hợp với các" / "Sở,
    Ban, ngành liên quan ..."): the line above is long and stops on a word, and this one
    is no heading, bullet, table row or capitals-only title."""
    return (len(previous) >= _WRAP_MIN and previous[-1].isalnum() and not marked
            and _heading_candidate(previous) is None and not previous.isupper()
            and not text.isupper() and " | " not in text and _BULLET.match(text) is None
            and _heading_candidate(text) is None and _END_MATTER.match(text) is None
            and _CLOSING_START.match(text) is None and not text.startswith(("Căn cứ", "(")))


# A line holding only a value, cut from its label ("- Tỷ lệ dùng chung vị trí BTS:" / "14,03%.").
_VALUE_ONLY = re.compile(r"[\d.,]+\s*(?:%|Mbps|Mb/s|Mbit/s|Gbps)?\s*[.;]?")


def _continues_list_clause(previous: str, text: str) -> bool:
    """A wrapped line that starts in lowercase right after a line ending in ";" or ","
    ("... phối hợp Ban Quản lý ...;" / "các doanh nghiệp viễn thông ...")."""
    return (previous.endswith((";", ",")) and len(previous) >= _WRAP_MIN and _continues_previous(text)
            and not text[0].isdigit() and _heading_candidate(previous) is None)


def _ends_open(text: str) -> bool:
    """True when a line stops mid-sentence (no closing punctuation)."""
    return not re.search(r"[.;:!?…)\]”\"]$", text)


def _is_footnote(text: str) -> bool:
    return text.startswith("⁽")


@dataclass
class _Logical:
    number: int
    text: str
    marked: bool


def _logical_lines(text: str) -> list[_Logical]:
    """Cleaned non-empty lines, with sentences cut by page breaks joined again."""
    out: list[_Logical] = []
    open_index = None          # the last line that may continue on a later line
    last_number, last_raw = 0, ""
    for number, raw in enumerate(text.splitlines(), start=1):
        cleaned, marked = strip_markdown(raw)
        if not cleaned:
            continue
        if _is_footnote(cleaned):
            out.append(_Logical(number, cleaned, False))
            continue
        adjacent = out and number == last_number + 1
        wrapped = adjacent and (open_index is not None and _wrapped_line(last_raw, cleaned, marked)
                                or _continues_list_clause(last_raw, cleaned)
                                or last_raw.endswith(":") and _VALUE_ONLY.fullmatch(cleaned) is not None)
        if wrapped and open_index is None:
            open_index = len(out) - 1
        last_number, last_raw = number, cleaned
        if open_index is not None and (_continues_previous(cleaned) or wrapped):
            previous = out[open_index]
            previous.text = f"{previous.text} {cleaned}"
        else:
            out.append(_Logical(number, cleaned, marked))
            open_index = len(out) - 1
        if not _ends_open(out[open_index].text):
            open_index = None
        elif open_index is None:
            open_index = len(out) - 1
    return out


@dataclass
class _Candidate:
    style: str
    number: str
    title: str
    rank: int


def _heading_candidate(text: str) -> _Candidate | None:
    if match := _PART.match(text):
        return _Candidate("part", match.group(1).lower(), match.group(2).strip(), _RANKS["part"])
    if (match := _ROMAN.match(text)) and _is_roman(match.group(1)):
        return _Candidate("roman", match.group(1), match.group(2), _RANKS["roman"])
    if match := _DECIMAL.match(text):
        number = match.group(1)
        if text[len(number):].startswith((".", ")")) or _DECIMAL_STRICT.match(number):
            depth = number.count(".")
            return _Candidate("decimal", number, match.group(2), _RANKS["decimal"] + depth)
    if match := _LETTER.match(text):
        return _Candidate("letter", match.group(1), match.group(2), _RANKS["letter"])
    return None


class _TreeBuilder:
    """Turns classified lines into the section tree, one line at a time."""

    def __init__(self, title: str):
        self.root = Section(number="", title=title, style="root", rank=_RANKS["root"], line=0)
        # Lines before the first heading (number, date, title, legal bases) form a section
        # of their own, so they can be cited like any other.
        self.preamble = Section(number="", title="Phần mở đầu", style="preamble",
                                rank=_RANKS["preamble"], line=1, parent=self.root)
        self.root.children.append(self.preamble)
        self.stack = [self.root, self.preamble]
        # Per rank: was the previous numbered item of this list a heading?
        self.sibling_is_heading: dict[int, bool] = {}
        self.pending_part_title: Section | None = None

    @property
    def current(self) -> Section:
        return self.stack[-1]

    def open(self, candidate: _Candidate, line: int) -> Section:
        while self.current.rank >= candidate.rank:
            self.stack.pop()
        title = candidate.title.rstrip(":").strip()
        section = Section(candidate.number, title, candidate.style, candidate.rank, line,
                          parent=self.current)
        self.current.children.append(section)
        self.stack.append(section)
        self.sibling_is_heading = {rank: is_heading for rank, is_heading
                                   in self.sibling_is_heading.items() if rank <= candidate.rank}
        self.sibling_is_heading[candidate.rank] = True
        return section

    def is_heading(self, candidate: _Candidate, marked: bool) -> bool:
        if candidate.style in ("part", "roman") or marked:
            return True
        if candidate.title.endswith((";", ",")):
            return False
        previous = self.sibling_is_heading.get(candidate.rank)
        if previous is None:
            # A short sentence ("a) Xây dựng kế hoạch tại địa phương.") is an item, not a
            # heading; multi-level numbers ("2.1.2. Mạng ... cố định.") are headings.
            sentence = candidate.title.endswith(".") and "." not in candidate.number
            return len(candidate.title) <= _HEADING_MAX and not sentence
        return previous and len(candidate.title) <= _SIBLING_HEADING_MAX

    def add(self, logical: _Logical) -> None:
        text = logical.text
        if self.pending_part_title is not None:
            part, self.pending_part_title = self.pending_part_title, None
            if text.isupper() and len(text) <= _HEADING_MAX:
                part.title = text
                return
        if _END_MATTER.match(text):
            self.open(_Candidate("end", "", "Nơi nhận", _RANKS["end"]), logical.number)
            return
        if self.current.style != "end" and (_CLOSING_START.match(text) or _BODY_END.search(text)):
            self.open(_Candidate("end", "", "Phần kết", _RANKS["end"]), logical.number)
        candidate = _heading_candidate(text)
        if candidate and self.is_heading(candidate, logical.marked):
            section = self.open(candidate, logical.number)
            if candidate.style == "part" and not section.title:
                self.pending_part_title = section
            return
        if candidate and candidate.style in ("decimal", "letter"):
            self.sibling_is_heading[candidate.rank] = False
            self.current.lines.append(Line(logical.number, candidate.title, 0,
                                           candidate.number + (")" if candidate.style == "letter" else ".")))
            return
        self.current.lines.append(_body_line(logical))


def _body_line(logical: _Logical) -> Line:
    text, depth = logical.text, 0
    while match := _BULLET.match(text):
        depth = 2 if match.group(1) == "+" else max(depth, 1)
        text = text[match.end():]
    return Line(logical.number, text.strip(), depth)


def _assign_anchors(root: Section) -> None:
    seen: set[str] = set()
    for section in root.walk():
        if section is root:
            continue
        parts = []
        chain = section.ancestors
        for node, child in zip(chain, chain[1:] + [None]):
            # "2.1.1" already says it sits under "2.1" and "2".
            if child is not None and child.style == node.style == "decimal":
                continue
            if node.style == "preamble":
                parts.append("mo-dau")
                continue
            number = node.number or node.title
            parts.append(("p" if node.style == "part" else "") + fold(number.replace("đ", "dd")))
        anchor = "s-" + "-".join(parts).replace(".", "-").replace(" ", "-")
        anchor = re.sub(r"[^a-z0-9-]", "", anchor.lower())
        unique, counter = anchor, 2
        while unique in seen:
            unique, counter = f"{anchor}-{counter}", counter + 1
        seen.add(unique)
        section.anchor = unique


def _assign_pages(root: Section, pages: list[int]) -> None:
    """Page of each section heading and body line, from the page of each source line."""
    def page_of(number: int) -> int:
        return pages[number - 1] if 0 < number <= len(pages) else 0

    for section in root.walk():
        section.page = page_of(section.line) if section.line else 0
        for line in section.lines:
            line.page = page_of(line.number)


def parse_plan(text: str, info: PlanInfo, pages: list[int] | None = None) -> Plan:
    """The section tree of a plan's text; `pages` gives the page of each text line
    (readers.Document.pages). PlanParseError when fewer than two numbered sections."""
    builder = _TreeBuilder(info.title)
    for logical in _logical_lines(flatten_tables(text)):
        builder.add(logical)
    numbered = [s for s in builder.root.walk() if s.rank > _RANKS["root"] and s.number]
    if not builder.preamble.lines:
        builder.root.children.remove(builder.preamble)
    if len(numbered) < 2:
        raise PlanParseError(f"{info.file}: no numbered sections found; is this a plan document?")
    _assign_anchors(builder.root)
    _assign_pages(builder.root, pages or [])
    return Plan(info, builder.root)


def read_plan(info: PlanInfo, directory: Path | None = None) -> Plan:
    document = read_document((directory or plans_dir()) / info.file)
    return parse_plan(document.text, info, document.pages)


def load_plans(directory: Path | None = None) -> tuple[list[Plan], list[str]]:
    """All catalogued plans that parse, and one error message per plan that does not.

    A broken file must not take the others down: the assistant keeps answering from
    the plans that load, and the operator sees which file to fix.
    """
    plans, errors = [], []
    for info in load_catalog(directory):
        try:
            plans.append(read_plan(info, directory))
        except PlanParseError as error:
            errors.append(str(error))
    return plans, errors
