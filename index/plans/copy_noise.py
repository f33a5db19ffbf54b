"""The noise of converted copies of a plan, undone before the plan is parsed.

Real plans reach the portal as Word files, PDFs and text copied from legal-document
sites or produced by PDF-to-Markdown converters. Three shapes recur:

- LaTeX math from PDF converters: "$100 \\%$", "$9 5 \\%$" (95 %), "$1 \\mathrm { k m }$"
  (1 km), "$\\mathrm { k } \\acute { \\mathrm { e } }$" (a garbled "kế").
  `clean_math(line)` turns each "$...$" into its plain text.
- HTML tables from the same converters: one "<td>" per line, rows in "<tr>".
- Tables of legal-document sites: one cell per run of lines, cells separated by a line
  holding only "|", rows not marked at all ("1" / "|" / "Tỷ lệ ..." / "|" / "%" / "|" /
  "100" / "|" / "2" / ...).

`flatten_tables(text)` writes every table row as one line "cell | cell | cell" on the
row's first source line and leaves the row's other lines empty, so line numbers (which
every record cites) do not move. A row of a "|"-separated table starts at the cell that
holds the next item number ("1", "2" …, a Roman numeral for a group, "1" again after one):
a bare number that is not the next one ("100") is a value cell, not a new row. A group row
with only its numeral and name becomes a heading ("II. Hạ tầng số (05 chỉ tiêu)").
"""
import re

_MATH = re.compile(r"\$([^$\n]{1,120})\$")
_LATEX_COMMAND = re.compile(r"\\(?:mathrm|mathbf|mathit|text|acute|grave|tilde|hat|dot|operatorname)\b")


def clean_math(line: str) -> str:
    """"Phủ sóng $100 \\%$ các tuyến" → "Phủ sóng 100% các tuyến"; text without "$" is
    returned unchanged."""
    if "$" not in line:
        return line
    return _MATH.sub(lambda match: _math_text(match.group(1)), line)


def _math_text(inner: str) -> str:
    text = inner.replace("\\%", "%")
    text = _LATEX_COMMAND.sub(" ", text)
    text = re.sub(r"[{}\\_^]", " ", text)
    text = re.sub(r"\s+", " ", text).strip()
    # Converters space every glyph: "9 5 %" → "95%", "k m" → "km", "1 , 5" → "1,5".
    text = re.sub(r"(?<=\d) (?=[\d%,.])|(?<=[,.]) (?=\d)", "", text)
    text = re.sub(r"(?<=\b[^\W\d]) (?=[^\W\d]\b)", "", text)
    text = re.sub(r"(?<=\d)(?=[^\W\d])", " ", text)
    return f" {text} " if text else " "


_HTML_ROW = re.compile(r"<tr\b[^>]*>(.*?)</tr>", re.S | re.I)
_HTML_CELL = re.compile(r"<t[dh]\b[^>]*>(.*?)(?:</t[dh]>|(?=<t[dh]\b)|$)", re.S | re.I)
_HTML_TAG = re.compile(r"</?(?:table|tbody|thead|tr|td|th|br)\b[^>]*>", re.I)


def _blank_span(lines: list[str], start: int, end: int, text: str) -> None:
    lines[start] = text
    for index in range(start + 1, end + 1):
        lines[index] = ""


def _html_tables(lines: list[str]) -> list[str]:
    text = "\n".join(lines)
    if "<td" not in text.lower():
        return lines
    out = list(lines)
    for row in _HTML_ROW.finditer(text):
        first = text.count("\n", 0, row.start())
        last = text.count("\n", 0, row.end())
        cells = [re.sub(r"\s+", " ", _HTML_TAG.sub(" ", cell)).strip()
                 for cell in _HTML_CELL.findall(row.group(1))]
        cells = [cell for cell in cells if cell]
        _blank_span(out, first, last, " | ".join(cells))
    return [_HTML_TAG.sub("", line) if _HTML_TAG.search(line) else line for line in out]


_ROMAN = re.compile(r"^[IVX]{1,5}$")
# A line that starts a new part of the document, never a table cell's continuation.
_HEADING_LIKE = re.compile(r"^(?:#|\*\*|[IVX]{1,5}\.\s|\d{1,2}(?:\.\d{1,2})*\.?\s+[A-ZĐÀ-Ỹ]|Phần thứ|PHỤ LỤC|Nơi nhận)")
_PIPE_GAP = 14      # a table cell spans at most this many lines between "|" lines


def _pipe_cells(lines: list[str], start: int, end: int) -> list[tuple[int, int, str]]:
    """(first line, last line, text) of each cell between "|" lines in [start, end]."""
    cells, begin, buffer = [], None, []
    for index in range(start, end + 1):
        stripped = lines[index].strip()
        if stripped == "|" or stripped.startswith("|") and not stripped.strip("| "):
            if buffer:
                cells.append((begin, index - 1, " ".join(buffer)))
            begin, buffer = None, []
            continue
        if stripped:
            if begin is None:
                begin = index
            buffer.append(stripped.strip("|").strip())
    if buffer:
        cells.append((begin, end, " ".join(buffer)))
    return cells


def _item_number(cell: str) -> str:
    return re.sub(r"[*_]", "", cell).strip().rstrip(".")


def _pipe_tables(lines: list[str]) -> list[str]:
    separators = [i for i, line in enumerate(lines) if line.strip() == "|"]
    if len(separators) < 4:
        return lines
    blocks, block = [], [separators[0]]
    for index in separators[1:]:
        if index - block[-1] <= _PIPE_GAP:
            block.append(index)
        else:
            blocks.append(block)
            block = [index]
    blocks.append(block)
    out = list(lines)
    for block in blocks:
        if len(block) < 4:
            continue
        end = block[-1]
        while end + 1 < len(lines) and end - block[-1] < _PIPE_GAP and lines[end + 1].strip() \
                and not _HEADING_LIKE.match(lines[end + 1].strip()):
            end += 1
        cells = _pipe_cells(lines, block[0], end)
        rows: list[list[tuple[int, int, str]]] = []
        expected = 1
        for cell in cells:
            number = _item_number(cell[2])
            starts = number.isdigit() and int(number) in (expected, 1) or _ROMAN.match(number) is not None
            if number.isdigit() and starts:
                expected = int(number) + 1
            elif starts:                     # a Roman group: its items count from 1 again
                expected = 1
            if starts:
                rows.append([cell])
            elif rows:
                rows[-1].append(cell)
        header = [cell for cell in cells if rows and cell[1] < rows[0][0][0]]
        if len(header) >= 3:                 # "TT | Chỉ tiêu | Đơn vị tính | Năm 2026 | Năm 2030"
            _blank_span(out, header[0][0], header[-1][1], " | ".join(_item_number(cell[2]) for cell in header))
        for row in rows:
            texts = [cell[2] for cell in row]
            if _ROMAN.match(_item_number(texts[0])) and len(texts) == 2:
                # A group row ("II | Hạ tầng số (05 chỉ tiêu)"): a heading of the table.
                _blank_span(out, row[0][0], row[-1][1], f"{_item_number(texts[0])}. {texts[1]}")
            else:
                _blank_span(out, row[0][0], row[-1][1], " | ".join(texts))
        if rows:
            first = header[0][0] if len(header) >= 3 else rows[0][0][0]
            for index in range(first, rows[-1][-1][1] + 1):
                if out[index].strip() == "|":
                    out[index] = ""
    return out


def join_split_emphasis(lines: list[str]) -> list[str]:
    """"**I. MỤC" / "ĐÍCH, YÊU CẦU**": a bold span that a converter cut over lines is one
    line again (a heading whose second half starts in capitals would otherwise be lost)."""
    out = list(lines)
    index = 0
    while index < len(out):
        line = out[index].strip()
        if line.startswith("**") and line.count("**") % 2 == 1:
            for following in range(index + 1, min(index + 5, len(out))):
                part = out[following].strip()
                if not part:
                    break
                if part.count("**") % 2 == 1:
                    joined = " ".join(out[i].strip() for i in range(index, following + 1))
                    _blank_span(out, index, following, joined)
                    index = following
                    break
        index += 1
    return out


def flatten_tables(text: str) -> str:
    """The text with every table row on one line (see the module docstring) and bold
    spans cut over lines joined; the number of lines is unchanged."""
    lines = join_split_emphasis(text.split("\n"))
    lines = _html_tables(lines)
    lines = _pipe_tables(lines)
    return "\n".join(lines)
