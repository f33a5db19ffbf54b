"""Read a plan document as operators receive it: `.txt`, Word `.docx` or `.pdf` (text
layer, or OCR of scanned pages), into one text the section parser reads.

Every reader returns a `Document`: one line per paragraph (wrapped PDF lines joined
again), a page number per line (0 when the format has no pages, as in `.txt`), and what
it left out. Running headers, footers and page numbers never reach the text; a heading
that the document sets in bold or in a Word heading style comes out as `**text**`, the
markdown the parser already reads as "this line is a heading".

Sources of the rules: Vietnamese administrative documents (Nghị định 30/2020/NĐ-CP,
Phụ lục I) set body paragraphs justified with a first-line indent and 6 pt between
paragraphs, the page number centred at the top from page 2, and the header and the
signature block in two-column tables. The paragraph rebuilder below relies on exactly
those cues (indent, vertical gap, short last line), for the text layer and OCR alike.

Bounded work: a Word or PDF file is read in a child process (`python -m
index.plans.readers FILE`) with a memory limit (READ_MEMORY_BYTES, RLIMIT_AS) and a
time limit (READ_SECONDS), so neither a hostile file nor OCR can hold the caller (the
web app's upload, the index build); within it the reader stops at LIMITS (pages, pages
to OCR, paragraphs, characters; a Word body's XML size before it is parsed).

Errors: `PlanParseError` for an unreadable file (empty, binary posing as text, not
UTF-8, a corrupt Word or PDF file, an unknown extension, OCR not installed);
`PlanTooLarge` (a PlanParseError) when a limit is hit, `limit` naming which.
"""
import hashlib
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import zipfile
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

from core.text import nfc

SUFFIXES = (".txt", ".docx", ".pdf")
# Below this mean word confidence (Tesseract, 0–100) an OCR page is flagged for review.
OCR_CONFIDENCE_WARNING = 80.0
# A PDF page with fewer characters than this in its text layer is treated as a scan.
_SCANNED_PAGE_CHARS = 40
_OCR_DPI = 300
_OCR_LANGUAGE = "vie"


class PlanParseError(ValueError):
    """A plan file that cannot be read as a plan (empty, binary, corrupt, no sections)."""


class PlanTooLarge(PlanParseError):
    """A plan file over one of LIMITS, or whose reading took over READ_SECONDS or
    READ_MEMORY_BYTES; `limit` is the key ("pages", "ocr_pages", "paragraphs",
    "characters", "word_xml_bytes", "seconds", "memory")."""

    def __init__(self, limit: str, message: str):
        super().__init__(message)
        self.limit = limit


# A real provincial plan: 10–80 pages, 300–3,000 paragraphs, under 300,000 characters,
# a Word body of 1–5 MB of XML; OCR takes ~6 s a page on this machine.
LIMITS = {"pages": 300, "ocr_pages": 60, "paragraphs": 30_000, "characters": 2_000_000,
          "word_xml_bytes": 40_000_000}
READ_SECONDS = 600                    # the OCR of 60 pages, with a margin
READ_MEMORY_BYTES = 2 * 1024 ** 3     # address space of the reading process


@dataclass
class Document:
    """A plan's text as the section parser reads it.

    text:     one paragraph per line, NFC; `**...**` marks a bold or heading paragraph.
    pages:    the 1-based page of each line of `text` (0 = the format has no pages).
    kind:     "txt", "docx", "pdf" (text layer) or "pdf-ocr" (at least one page read by OCR).
    page_count: pages in the file (0 for .txt and .docx without rendered page breaks).
    ocr_confidence: {page: mean Tesseract word confidence 0–100} for the pages read by OCR.
    removed:  the running headers, footers and page numbers left out, as read.
    """
    text: str
    pages: list[int]
    kind: str
    page_count: int = 0
    ocr_confidence: dict[int, float] = field(default_factory=dict)
    removed: list[str] = field(default_factory=list)


def decode_plan(raw: bytes, name: str) -> str:
    """UTF-8 text (BOM allowed) as NFC; PlanParseError for empty, binary or other encodings."""
    if not raw.strip():
        raise PlanParseError(f"{name}: the file is empty")
    if b"\x00" in raw:
        raise PlanParseError(f"{name}: binary file, not a UTF-8 text plan")
    try:
        return nfc(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as error:
        raise PlanParseError(f"{name}: not UTF-8 text ({error.reason} at byte {error.start})") from None


def read_document(path: Path, cache: bool = True) -> Document:
    """Read a plan file by its extension; PlanParseError when it cannot be read.

    A Word or PDF file read once is kept in the documents cache (var/documents, or the
    setting index.documents_cache) under the hash of its bytes: a scanned plan is OCR'd
    once, not at every start of the action server. cache=False reads afresh."""
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise PlanParseError(f"{path.name}: unknown file type {suffix!r}; expected {', '.join(SUFFIXES)}")
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise PlanParseError(f"{path.name}: cannot read ({error.strerror})") from None
    if not raw.strip():
        raise PlanParseError(f"{path.name}: the file is empty")
    if suffix == ".txt":
        return _read_txt(raw, path.name)
    cached = _cache_path(raw)
    if cache and cached.is_file():
        stored = json.loads(cached.read_text(encoding="utf-8"))
        stored["ocr_confidence"] = {int(page): value for page, value in stored["ocr_confidence"].items()}
        return Document(**stored)
    document = _read_in_child(path)
    cached.parent.mkdir(parents=True, exist_ok=True)
    temporary = cached.with_suffix(".tmp")
    temporary.write_text(json.dumps(asdict(document), ensure_ascii=False), encoding="utf-8")
    temporary.replace(cached)
    return document


def _read_here(path: Path) -> Document:
    """Read a Word or PDF file in this process (the child's side of _read_in_child)."""
    suffix = path.suffix.lower()
    try:
        return _read_docx(path) if suffix == ".docx" else _read_pdf(path)
    except PlanParseError:
        raise
    except MemoryError:
        raise PlanTooLarge("memory", f"{path.name}: reading needs over {READ_MEMORY_BYTES >> 20} MB") from None
    except Exception as error:      # a damaged file must not take the other plans down
        if _OUT_OF_MEMORY.search(str(error)):    # a library that could not be mapped in
            raise PlanTooLarge("memory", f"{path.name}: reading needs over {READ_MEMORY_BYTES >> 20} MB") from None
        what = "Word document" if suffix == ".docx" else "PDF"
        raise PlanParseError(f"{path.name}: not a readable {what} ({type(error).__name__}: {error})") from None


_OUT_OF_MEMORY = re.compile(r"MemoryError|failed to map segment|Cannot allocate memory|std::bad_alloc")


def _limit_child() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (READ_MEMORY_BYTES, READ_MEMORY_BYTES))
    cpu = max(1, int(READ_SECONDS))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))


def _read_in_child(path: Path) -> Document:
    """_read_here in `python -m index.plans.readers FILE` under the memory and time
    limits; its answer is JSON on stdout: {"document": ...} or {"error", "limit"}."""
    try:
        done = subprocess.run([sys.executable, "-m", "index.plans.readers", str(path)],
                              capture_output=True, text=True, timeout=READ_SECONDS, preexec_fn=_limit_child,
                              cwd=Path(__file__).resolve().parents[2],
                              env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])})
    except subprocess.TimeoutExpired:
        raise PlanTooLarge("seconds", f"{path.name}: reading took over {READ_SECONDS} s") from None
    try:
        answer = json.loads(done.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        if done.returncode < 0 or _OUT_OF_MEMORY.search(done.stderr):
            raise PlanTooLarge("memory", f"{path.name}: reading was stopped (signal {-done.returncode}, "
                                         "memory or time limit)") from None
        raise PlanParseError(f"{path.name}: the reader failed ({done.stderr.strip()[-300:]})") from None
    if "error" in answer:
        if answer.get("limit"):
            raise PlanTooLarge(answer["limit"], answer["error"])
        raise PlanParseError(answer["error"])
    stored = answer["document"]
    stored["ocr_confidence"] = {int(page): value for page, value in stored["ocr_confidence"].items()}
    return Document(**stored)


def _child_main(argv: list[str]) -> int:
    try:
        document = _read_here(Path(argv[0]))
    except PlanParseError as error:
        print(json.dumps({"error": str(error), "limit": getattr(error, "limit", None)}, ensure_ascii=False))
        return 0
    print(json.dumps({"document": asdict(document)}, ensure_ascii=False))
    return 0


def _over(limit: str, value: int, name: str) -> None:
    if value > LIMITS[limit]:
        words = {"pages": "pages", "ocr_pages": "scanned pages to OCR", "paragraphs": "paragraphs",
                 "characters": "characters", "word_xml_bytes": "bytes of Word XML"}
        raise PlanTooLarge(limit, f"{name}: over {LIMITS[limit]:,} {words[limit]} ({value:,})")


# Bump when a reader changes what it returns, so cached documents are read again.
_READER_VERSION = 2


def _cache_path(raw: bytes) -> Path:
    from core import settings

    digest = hashlib.sha256(raw + f"reader-{_READER_VERSION}".encode()).hexdigest()
    return settings.project_path(settings.get("index", "documents_cache", "var/documents")) / f"{digest}.json"


def _read_txt(raw: bytes, name: str) -> Document:
    """A form feed (\\f) starts a new page; a text without one has no page numbers."""
    text = decode_plan(raw, name)
    has_pages = "\f" in text
    lines, pages, page = [], [], 1
    for piece in text.split("\n"):
        page += piece.count("\f")
        lines.append(piece.replace("\f", ""))
        pages.append(page if has_pages else 0)
    return Document("\n".join(lines), pages, "txt", page if has_pages else 0)


# --- Word -------------------------------------------------------------------------

def _read_docx(path: Path) -> Document:
    """Body paragraphs and table cells in document order. Word keeps headers and footers
    in parts of their own, so they never mix with the body. Pages are counted from the
    page breaks Word stores (explicit breaks and `lastRenderedPageBreak` marks)."""
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        with zipfile.ZipFile(path) as archive:
            body = archive.getinfo("word/document.xml")
            _over("word_xml_bytes", body.file_size, path.name)     # before lxml parses it all
            _over("paragraphs", _count_paragraphs(archive.open(body)), path.name)
    except (zipfile.BadZipFile, KeyError) as error:
        raise PlanParseError(f"{path.name}: not a readable Word document ({error})") from None
    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, KeyError, ValueError, zipfile.BadZipFile) as error:
        raise PlanParseError(f"{path.name}: not a readable Word document ({error})") from None
    lines, pages = [], []
    page = 1
    saw_break = False
    characters = 0
    for count, paragraph in enumerate(_docx_paragraphs(document), start=1):
        _over("paragraphs", count, path.name)
        if isinstance(paragraph, _Row):
            breaks, text = sum(_page_breaks(p) for p in paragraph.paragraphs), paragraph.text
        else:
            breaks, text = _page_breaks(paragraph), _docx_text(paragraph)
        if text:
            characters += len(text)
            _over("characters", characters, path.name)
            lines.append(text)
            pages.append(page)
        if breaks:
            page += breaks
            saw_break = True
    if not saw_break:
        pages = [0] * len(pages)
    return Document("\n".join(lines), pages, "docx", page if saw_break else 0)


_PARAGRAPH_TAG = re.compile(rb"<w:p[ />]")


def _count_paragraphs(stream) -> int:
    """Paragraph elements in a Word body's XML, counted in 1 MB chunks without parsing."""
    count, tail = 0, b""
    while chunk := stream.read(1 << 20):
        data = tail + chunk
        count += len(_PARAGRAPH_TAG.findall(data))
        tail = data[-5:]
        count -= len(_PARAGRAPH_TAG.findall(tail))      # counted again with the next chunk
    return count + len(_PARAGRAPH_TAG.findall(tail))


@dataclass
class _Row:
    """A row of a Word table of three columns or more, as one line "cell | cell | …"."""
    text: str
    paragraphs: list


_TABLE_MIN_COLUMNS = 3     # narrower tables are the header and the signature block


def _docx_paragraphs(document):
    """Paragraphs of the body, descending into tables row by row, cell by cell; a row of
    a table of three columns or more (indicators by year, tasks with their lead body and
    time) is one _Row, like the rows of copied tables (index/plans/copy_noise.py)."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    def walk(parent, container):
        for child in container.iterchildren():
            tag = child.tag.rsplit("}", 1)[-1]
            if tag == "p":
                yield Paragraph(child, parent)
            elif tag == "tbl":
                table = Table(child, parent)
                if len(table.columns) >= _TABLE_MIN_COLUMNS:
                    for row in table.rows:
                        cells, paragraphs, seen = [], [], set()
                        for cell in row.cells:
                            if id(cell._tc) in seen:
                                continue
                            seen.add(id(cell._tc))
                            paragraphs += list(cell.paragraphs)
                            cells.append(re.sub(r"\s+", " ", nfc(cell.text)).strip())
                        if any(cells):
                            yield _Row(" | ".join(cells), paragraphs)
                    continue
                for row in table.rows:
                    seen = set()
                    for cell in row.cells:
                        if id(cell._tc) in seen:        # merged cells repeat
                            continue
                        seen.add(id(cell._tc))
                        yield from walk(cell, cell._tc)

    yield from walk(document, document.element.body)


def _page_breaks(paragraph) -> int:
    xml = paragraph._p
    explicit = xml.xpath('.//w:br[@w:type="page"]')
    rendered = xml.xpath(".//w:lastRenderedPageBreak")
    return max(len(explicit), len(rendered))


def _docx_text(paragraph) -> str:
    text = re.sub(r"\s+", " ", nfc(paragraph.text)).strip()
    if not text:
        return ""
    style = (paragraph.style.name if paragraph.style is not None else "") or ""
    runs = [run for run in paragraph.runs if run.text.strip()]
    bold = bool(runs) and all(run.bold or (run.bold is None and _style_bold(paragraph)) for run in runs)
    if style.lower().startswith(("heading", "title")) or bold:
        return f"**{text}**"
    return text


def _style_bold(paragraph) -> bool:
    style = paragraph.style
    while style is not None:
        if style.font.bold is not None:
            return bool(style.font.bold)
        style = style.base_style
    return False


# --- PDF ----------------------------------------------------------------------------

@dataclass
class _Line:
    """One printed line of a page, from the text layer or from OCR. Points (1/72 inch)."""
    page: int
    x0: float
    x1: float
    top: float
    bottom: float
    text: str
    bold: bool = False


def _read_pdf(path: Path) -> Document:
    import pdfplumber

    pdf = pdfplumber.open(str(path))
    with pdf:
        _over("pages", len(pdf.pages), path.name)
        pages_lines: list[list[_Line]] = []
        confidence: dict[int, float] = {}
        sizes = []
        characters = 0
        for number, page in enumerate(pdf.pages, start=1):
            lines = _text_layer_lines(page, number)
            if sum(len(line.text) for line in lines) < _SCANNED_PAGE_CHARS:
                _over("ocr_pages", len(confidence) + 1, path.name)
                lines, confidence[number] = _ocr_lines(page, number, path.name)
            characters += sum(len(line.text) for line in lines)
            _over("characters", characters, path.name)
            pages_lines.append(lines)
            sizes.append((float(page.width), float(page.height)))
    pages_lines, removed = _drop_running_lines(pages_lines, sizes)
    paragraphs = _paragraphs([line for lines in pages_lines for line in lines])
    text = "\n".join(f"**{text}**" if bold else text for _, text, bold in paragraphs)
    return Document(text, [page for page, _, _ in paragraphs], "pdf-ocr" if confidence else "pdf",
                    len(sizes), confidence, removed)


def _text_layer_lines(page, number: int) -> list[_Line]:
    words = page.extract_words(extra_attrs=["fontname"], use_text_flow=False, keep_blank_chars=False)
    return _group_words([(w["x0"], w["x1"], w["top"], w["bottom"], w["text"], "Bold" in w["fontname"])
                         for w in words], number)


def _group_words(words: list[tuple], page: int) -> list[_Line]:
    """Words (x0, x1, top, bottom, text, bold) into printed lines, top to bottom.

    A row with a gap wider than four word heights is two columns (the header and the
    signature block are two-column tables): the left column is read to its end first,
    then the right one, so "Nơi nhận:" and "TM. ỦY BAN NHÂN DÂN" never share a line."""
    if not words:
        return []
    height = statistics.median(w[3] - w[2] for w in words)
    # A word joins a row when its vertical centre is within half a typical word height
    # of the row's centre: a bullet dash or a diacritic-tall word must not open a row.
    rows: list[list[tuple]] = []
    centres: list[float] = []
    for word in sorted(words, key=lambda w: ((w[2] + w[3]) / 2, w[0])):
        centre = (word[2] + word[3]) / 2
        if rows and abs(centres[-1] - centre) < height * 0.5:
            rows[-1].append(word)
            centres[-1] = statistics.fmean((w[2] + w[3]) / 2 for w in rows[-1])
        else:
            rows.append([word])
            centres.append(centre)
    lines: list[_Line] = []
    right_column: list[_Line] = []      # held back until the two-column block ends
    split = None                        # x between the two columns while in a block
    last_bottom = 0.0                   # bottom of the block's last row

    left_column: list[_Line] = []       # the block's left column, for alignment

    def aligned(line: _Line, column: list[_Line]) -> bool:
        """Same type size as the column, left edge or centre in line with one of its
        lines (the body after a header table is set larger and spans the page)."""
        size = line.bottom - line.top
        return any(abs(size - (other.bottom - other.top)) < size * 0.1
                   and (abs(line.x0 - other.x0) < height or abs(line.x0 + line.x1 - other.x0 - other.x1) < height * 2)
                   for other in column)

    for row in rows:
        made = [_Line(page, p[0][0], p[-1][1], min(w[2] for w in p), max(w[3] for w in p),
                      nfc(" ".join(w[4] for w in p)), all(w[5] for w in p))
                for p in _split_columns(sorted(row, key=lambda w: w[0]), height * 4)]
        if len(made) > 1:
            split = split or (made[0].x1 + made[1].x0) / 2
            lines.append(made[0])
            left_column.append(made[0])
            right_column.extend(made[1:])
            last_bottom = made[0].bottom
            continue
        line = made[0]
        if split is not None and line.top - last_bottom < height * 1.8:
            if line.x0 >= split and aligned(line, right_column):
                right_column.append(line)
                last_bottom = line.bottom
                continue
            if line.x1 <= split and aligned(line, left_column):
                lines.append(line)
                left_column.append(line)
                last_bottom = line.bottom
                continue
        lines.extend(right_column)
        right_column, left_column, split = [], [], None
        lines.append(line)
    return lines + right_column


def _split_columns(row: list[tuple], gap: float) -> list[list[tuple]]:
    pieces, current = [], [row[0]]
    for word in row[1:]:
        if word[0] - current[-1][1] > gap:
            pieces.append(current)
            current = [word]
        else:
            current.append(word)
    return pieces + [current]


def _ocr_lines(page, number: int, name: str) -> tuple[list[_Line], float]:
    """OCR of one page with Tesseract's Vietnamese model: its lines (in points, like the
    text layer) and the mean word confidence (0–100)."""
    # Tesseract's OpenMP threads make it 10x slower on a busy machine (measured: 85 s
    # instead of 6 s for one page on 2 shared cores); one thread per page is the default here.
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    try:
        import pytesseract
        image = page.to_image(resolution=_OCR_DPI).original
        data = pytesseract.image_to_data(image, lang=_OCR_LANGUAGE, output_type=pytesseract.Output.DICT)
    except (ImportError, OSError, RuntimeError) as error:
        raise PlanParseError(f"{name}: page {number} is a scan and OCR failed ({error}); "
                             "run stack/setup/ensure_ocr.sh") from None
    scale = 72 / _OCR_DPI
    words, confidences = [], []
    for i, text in enumerate(data["text"]):
        confidence = float(data["conf"][i])
        if not text.strip() or confidence < 0:
            continue
        confidences.append(confidence)
        x0, top = data["left"][i] * scale, data["top"][i] * scale
        words.append((x0, x0 + data["width"][i] * scale, top, top + data["height"][i] * scale,
                      text, False))
    mean = round(statistics.fmean(confidences), 1) if confidences else 0.0
    lines = _group_words(words, number)
    for line in lines:
        line.text = _ocr_text(line.text)
    return lines, mean


# Units as Tesseract misreads them after a number ("70MbD/S", "100MB/S" for "Mb/s"):
# written back as the plans write them. Only units: a misread digit is never "fixed".
_OCR_SPEED_UNIT = re.compile(r"(?<=\d)(\s?)M[bB][a-zA-Z]?/[sS]\b")


def _ocr_text(text: str) -> str:
    return _OCR_SPEED_UNIT.sub(r"\1Mb/s", text)


_PAGE_NUMBER = re.compile(r"^[-–—\s]*(?:trang\s*)?\d{1,3}(?:\s*/\s*\d{1,3})?[-–—\s]*$", re.I)
# Running headers and footers sit in the top or bottom tenth of the page.
_MARGIN_BAND = 0.1


def _drop_running_lines(pages: list[list[_Line]], sizes: list[tuple[float, float]]):
    """Leave out page numbers and lines repeated in the margin bands of most pages."""
    def band(line: _Line) -> bool:
        height = sizes[line.page - 1][1]
        return line.top < height * _MARGIN_BAND or line.bottom > height * (1 - _MARGIN_BAND)

    def shape(text: str) -> str:
        return re.sub(r"\d+", "#", text.lower())

    repeated = Counter(shape(line.text) for lines in pages for line in {shape(l.text): l for l in lines
                                                                         if band(l)}.values())
    threshold = max(2, len(pages) // 2)
    kept, removed = [], []
    for lines in pages:
        page_kept = []
        for line in lines:
            if band(line) and (_PAGE_NUMBER.match(line.text) or repeated[shape(line.text)] >= threshold):
                removed.append(line.text)
            else:
                page_kept.append(line)
        kept.append(page_kept)
    return kept, removed


def _paragraphs(lines: list[_Line]) -> list[tuple[int, str, bool]]:
    """Printed lines joined into paragraphs: (page, text, bold).

    A line opens a new paragraph when it is indented past the body's left edge, when
    the gap above it is wider than half a line, or when the line before it stopped well
    short of the right edge; else it continues the line before it (also across a page
    break)."""
    if not lines:
        return []
    left = Counter(round(line.x0) for line in lines).most_common(1)[0][0]
    right = sorted(line.x1 for line in lines)[int(len(lines) * 0.9)]
    height = statistics.median(line.bottom - line.top for line in lines)
    out: list[list] = []
    previous: _Line | None = None
    for line in lines:
        starts = (previous is None
                  or line.x0 > left + height * 0.8
                  or previous.x1 < right - height * 2.5
                  or (line.page == previous.page and line.top - previous.bottom > height * 0.6)
                  or line.bold != previous.bold)
        if starts:
            out.append([line.page, line.text, line.bold])
        else:
            out[-1][1] = f"{out[-1][1]} {line.text}"
        previous = line
    return [(page, re.sub(r"\s+", " ", text).strip(), bold) for page, text, bold in out]


if __name__ == "__main__":
    sys.exit(_child_main(sys.argv[1:]))
