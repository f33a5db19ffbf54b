"""What an operator must look at before a plan is answered from: everything the
extraction could not classify, as short warnings (English keys, the operator's own
words quoted). `python -m index preview` and `python -m index show` print them; the
admin page shows them. Nothing is dropped silently.

Warnings, each a string starting with one of:
    "no target section"                    no heading with "Mục tiêu" (targets unanswerable)
    "no target values"                     a "Mục tiêu" heading, but no value under it
    "values outside a MỤC TIÊU heading"    target-like values under another heading
    "unknown indicator: <label>"           a labelled % / Mbps value the vocabulary lacks
    "value not read: <line>"               a % or Mbps under a target/status heading, no value
    "unknown agency: <heading>"            a "Tổ chức thực hiện" subsection naming no known agency
    "OCR confidence below <n>"             scanned pages Tesseract read with low confidence
"""
from core.text import fold
from index.plans.duties import unknown_agencies
from index.plans.readers import OCR_CONFIDENCE_WARNING, Document
from index.plans.sections import Plan
from index.plans.values import ValueRecord, unclassified_values, unread_value_lines

_SHOWN = 3      # example lines quoted per warning


def _has_target_heading(plan: Plan) -> bool:
    return any("muc tieu" in fold(section.title) and "tong quat" not in fold(section.title)
               for section in plan.sections())


def _where(record: ValueRecord) -> str:
    page = f", trang {record.page}" if record.page else ""
    return f"dòng {record.line}{page}: {record.text[:80]}"


def plan_warnings(plan: Plan, values: list[ValueRecord], document: Document | None = None) -> list[str]:
    """Warnings for one parsed plan; `values` are its extracted values (extract_values),
    `document` the file as read (None for a published .txt read without it)."""
    warnings = []
    if not _has_target_heading(plan):
        warnings.append("no target section: không có mục nào mang tiêu đề \"Mục tiêu\"; "
                        "chỉ tiêu của kế hoạch sẽ không được trả lời")
    elif not any(value.kind == "target" for value in values):
        warnings.append("no target values: có mục \"Mục tiêu\" nhưng không đọc được chỉ tiêu nào")
    outside = unclassified_values(plan)
    if outside:
        examples = "; ".join(_where(record) for record in outside[:_SHOWN])
        warnings.append(f"values outside a MỤC TIÊU heading: {len(outside)} giá trị ({examples})")
    for value in values:
        if not value.indicator:
            warnings.append(f"unknown indicator: {value.label!r} = {value.value:g} {value.unit} "
                            f"({_where(value)})")
    for section, line in unread_value_lines(plan, values):
        page = f", trang {line.page}" if line.page else ""
        warnings.append(f"value not read: dòng {line.number}{page}: {line.text[:100]}")
    for section in unknown_agencies(plan):
        page = f", trang {section.page}" if section.page else ""
        warnings.append(f"unknown agency: {section.heading!r} (dòng {section.line}{page}); "
                        "nhiệm vụ của mục này chưa được trích xuất")
    if document is not None:
        low = sorted(page for page, confidence in document.ocr_confidence.items()
                     if confidence < OCR_CONFIDENCE_WARNING)
        if low:
            pages = ", ".join(f"trang {page} ({document.ocr_confidence[page]:.0f})" for page in low)
            warnings.append(f"OCR confidence below {OCR_CONFIDENCE_WARNING:.0f}: {pages}")
    return warnings
