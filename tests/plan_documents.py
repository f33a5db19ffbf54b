"""Write a `.txt` plan as the Word, PDF and scanned-PDF files operators receive, for the
reader tests. Nothing here is committed as a binary: the tests write into a tmp dir.

- Word: one paragraph per line; a `##` line in a heading style, a `**whole line**` in
  bold (as a typist would format it); a page break every 30 paragraphs; a running
  header and footer with the page number.
- PDF (reportlab): A4, DejaVu Serif 13 pt, justified paragraphs with a first-line
  indent and 6 pt after (Nghị định 30/2020/NĐ-CP, Phụ lục I), the page number centred
  at the top from page 2 and a running footer, so long paragraphs wrap over several
  printed lines and across pages.
- Scan: every PDF page rendered to a greyscale image (pypdfium2) and stored as an
  image-only PDF, with no text layer: the reader must OCR it.
"""
import re
from pathlib import Path
from xml.sax.saxutils import escape

from index.plans.sections import strip_markdown

_FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
_PARAGRAPHS_PER_WORD_PAGE = 30


def _paragraphs(text: str) -> list[tuple[str, bool, bool]]:
    """(text, bold, heading style) of each non-empty line of a plan's text."""
    out = []
    for raw in text.splitlines():
        cleaned, marked = strip_markdown(raw)
        if cleaned:
            out.append((cleaned, marked, raw.lstrip().startswith("#")))
    return out


# Two columns side by side, as the header ("ỦY BAN NHÂN DÂN | CỘNG HÒA ...") and the
# signature block ("Nơi nhận: ... | TM. ỦY BAN NHÂN DÂN / CHỦ TỊCH / name") are laid out.
Columns = tuple[list[str], list[str]]


def _docx_columns(document, columns: Columns) -> None:
    table = document.add_table(rows=1, cols=2)
    for cell, lines in zip(table.rows[0].cells, columns):
        cell.paragraphs[0].text = lines[0]
        for line in lines[1:]:
            cell.add_paragraph(line)


def to_docx(text: str, path: Path, running_title: str,
            header: Columns | None = None, signature: Columns | None = None) -> Path:
    import docx
    from docx.enum.text import WD_BREAK

    document = docx.Document()
    section = document.sections[0]
    section.header.paragraphs[0].text = running_title
    section.footer.paragraphs[0].text = f"{running_title} — bản gửi xin ý kiến"
    if header:
        _docx_columns(document, header)
    for number, (line, bold, heading) in enumerate(_paragraphs(text), start=1):
        if heading:
            paragraph = document.add_heading(line, level=2)
        else:
            paragraph = document.add_paragraph()
            paragraph.add_run(line).bold = bold or None
        if number % _PARAGRAPHS_PER_WORD_PAGE == 0:
            paragraph.add_run().add_break(WD_BREAK.PAGE)
    if signature:
        _docx_columns(document, signature)
    document.save(str(path))
    return path


def _register_fonts() -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if "DejaVuSerif" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("DejaVuSerif", str(_FONT_DIR / "DejaVuSerif.ttf")))
        pdfmetrics.registerFont(TTFont("DejaVuSerif-Bold", str(_FONT_DIR / "DejaVuSerif-Bold.ttf")))


def to_pdf(text: str, path: Path, running_title: str,
           header: Columns | None = None, signature: Columns | None = None) -> Path:
    from reportlab.lib.enums import TA_JUSTIFY
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import cm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Table

    _register_fonts()
    body = ParagraphStyle("body", fontName="DejaVuSerif", fontSize=13, leading=17,
                          firstLineIndent=1 * cm, spaceAfter=6, alignment=TA_JUSTIFY)
    bold = ParagraphStyle("bold", parent=body, fontName="DejaVuSerif-Bold", firstLineIndent=0)

    def furniture(canvas, document):
        canvas.saveState()
        canvas.setFont("DejaVuSerif", 10)
        if document.page > 1:
            canvas.drawCentredString(A4[0] / 2, A4[1] - 1.2 * cm, str(document.page))
        canvas.drawCentredString(A4[0] / 2, 1 * cm, running_title)
        canvas.restoreState()

    cell = ParagraphStyle("cell", parent=body, fontSize=11, leading=14, firstLineIndent=0, alignment=0)

    def columns(pair: Columns) -> Table:
        return Table([[[Paragraph(escape(line), cell) for line in lines] for lines in pair]],
                     colWidths=[6 * cm, 10 * cm])

    story = [columns(header)] if header else []
    story += [Paragraph(escape(line), bold if marked else body) for line, marked, _ in _paragraphs(text)]
    if signature:
        story.append(columns(signature))
    document = SimpleDocTemplate(str(path), pagesize=A4, leftMargin=3 * cm, rightMargin=2 * cm,
                                 topMargin=2 * cm, bottomMargin=2 * cm)
    document.build(story, onFirstPage=furniture, onLaterPages=furniture)
    return path


def to_scan(pdf: Path, path: Path, dpi: int = 300) -> Path:
    import pypdfium2

    source = pypdfium2.PdfDocument(str(pdf))
    images = [page.render(scale=dpi / 72, grayscale=True).to_pil() for page in source]
    source.close()
    images[0].save(str(path), save_all=True, append_images=images[1:], resolution=dpi)
    return path


def running_title(text: str) -> str:
    """A document's running title: its first line naming the plan, else a fixed one."""
    for line, _, _ in _paragraphs(text):
        if re.search(r"hạ tầng số", line, re.I) and len(line) < 120:
            return line
    return "Kế hoạch phát triển hạ tầng số"
