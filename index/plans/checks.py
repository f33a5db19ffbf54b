"""What an operator must look at before a plan is answered from: everything the
extraction could not classify, as short warnings in Vietnamese (the operator's own words
quoted), and a line-by-line account of what was read and what was not
(`line_report`). `python -m index preview` and `python -m index show` print them; the
admin page shows them. Nothing is dropped silently.

Warnings, each a string starting with one of the prefixes below (WARNING_PREFIXES):
    NO_TARGETS       no target or status values anywhere (no "Mục tiêu"/"Chỉ tiêu"
                     heading and no quantified subject block before the tasks)
    NO_TARGET_VALUES a target heading, but no value under it
    OUTSIDE          values of known indicators under another heading (not answered)
    NEW_INDICATOR    a value whose phrase maps to no canonical indicator: answered in the
                     plan's own words, not compared across provinces
    UNREAD           a % or Mbps under a target/status heading that gave no value
    NEW_BODY         a body of "Tổ chức thực hiện" the vocabulary does not know: its duties
                     are kept under the plan's own name
    OCR_LOW          scanned pages Tesseract read with low confidence
"""
import re

from core.text import fold
from index.plans.duties import DutyRecord, unknown_agencies
from index.plans.readers import OCR_CONFIDENCE_WARNING, Document
from index.plans.sections import Plan
from index.plans.values import ValueRecord, classified_sections, unclassified_values, unread_value_lines

_SHOWN = 3      # example lines quoted per warning

NO_TARGETS = "Không tìm thấy chỉ tiêu"
NO_TARGET_VALUES = "Có mục chỉ tiêu nhưng không đọc được giá trị"
OUTSIDE = "Số liệu nằm ngoài mục Mục tiêu/Hiện trạng"
NEW_INDICATOR = "Chỉ tiêu riêng của kế hoạch"
UNREAD = "Dòng có số liệu chưa đọc được"
NEW_BODY = "Cơ quan chưa có trong danh mục"
OCR_LOW = "Trang quét đọc kém"
WARNING_PREFIXES = (NO_TARGETS, NO_TARGET_VALUES, OUTSIDE, NEW_INDICATOR, UNREAD, NEW_BODY, OCR_LOW)


def _where(record: ValueRecord) -> str:
    page = f", trang {record.page}" if record.page else ""
    return f"dòng {record.line}{page}: {record.text[:80]}"


def _value_text(record: ValueRecord) -> str:
    number = f"{record.value:g}".replace(".", ",")
    if record.denominator:
        number += f"/{record.denominator}"
    unit = "%" if record.unit == "%" else f" {record.unit}" if record.unit else ""
    return f"{record.qualifier} {number}{unit}".strip()


def plan_warnings(plan: Plan, values: list[ValueRecord], document: Document | None = None) -> list[str]:
    """Warnings for one parsed plan; `values` are its extracted values (extract_values),
    `document` the file as read (None for a published .txt read without it)."""
    warnings = []
    classified = classified_sections(plan)
    if not values:
        if not classified:
            warnings.append(f"{NO_TARGETS}: kế hoạch không có mục \"Mục tiêu\" hay \"Chỉ tiêu\" và không có "
                            "con số mục tiêu nào trước phần nhiệm vụ; câu hỏi về chỉ tiêu sẽ không được trả lời "
                            "từ kế hoạch này")
        else:
            warnings.append(f"{NO_TARGET_VALUES}: có mục \"Mục tiêu\"/\"Chỉ tiêu\" nhưng không đọc được "
                            "con số nào dưới mục đó")
    outside = unclassified_values(plan)
    if outside:
        examples = "; ".join(_where(record) for record in outside[:_SHOWN])
        warnings.append(f"{OUTSIDE} (không dùng để trả lời): {len(outside)} giá trị ({examples})")
    for value in values:
        if not value.indicator:
            warnings.append(f"{NEW_INDICATOR} (trả lời theo đúng lời văn, không so sánh giữa các tỉnh): "
                            f"{value.label[:90]!r} = {_value_text(value)} ({_where(value)})")
    for section, line in unread_value_lines(plan, values):
        page = f", trang {line.page}" if line.page else ""
        warnings.append(f"{UNREAD}: dòng {line.number}{page}: {line.text[:100]}")
    for section in unknown_agencies(plan):
        page = f", trang {section.page}" if section.page else ""
        warnings.append(f"{NEW_BODY}: {section.heading!r} (dòng {section.line}{page}); nhiệm vụ vẫn được đọc "
                        "và tìm được theo tên trong kế hoạch, nhưng không gộp với cơ quan cùng loại của tỉnh khác")
    if document is not None:
        low = sorted(page for page, confidence in document.ocr_confidence.items()
                     if confidence < OCR_CONFIDENCE_WARNING)
        if low:
            pages = ", ".join(f"trang {page} ({document.ocr_confidence[page]:.0f})" for page in low)
            warnings.append(f"{OCR_LOW} (độ tin cậy OCR dưới {OCR_CONFIDENCE_WARNING:.0f}): {pages}; "
                            "hãy kiểm tra các con số trên các trang này")
    return warnings


_NUMBER = re.compile(r"\d")
_MEASURE = re.compile(r"%|\b[MG]b(?:ps|/s|it/s)\b", re.I)


def line_report(plan: Plan, values: list[ValueRecord], duties: list[DutyRecord]) -> list[dict]:
    """What was read from each line, in document order, for the operator:
    [{line, page, mark, text, said}] where mark is "đọc" (a value, a duty or a body was
    read), "chưa đọc" (a line that looks like a value or a target but gave nothing) or
    "mục" (a heading: how the section was understood). Lines that are plain prose used
    only for search are left out. `said` is a Vietnamese sentence."""
    by_line: dict[int, list[str]] = {}
    for value in values:
        kind = "Chỉ tiêu" if value.kind == "target" else "Hiện trạng"
        year = f" năm {value.year}" if value.year else ""
        link = "" if value.indicator else " (chỉ tiêu riêng của kế hoạch)"
        scope = f", phạm vi: {value.scope}" if value.scope else ""
        by_line.setdefault(value.line, []).append(
            f"{kind}{year}: «{value.label[:80]}» = {_value_text(value)}{scope}{link}")
    for record in duties:
        known = "" if record.agency else " (cơ quan chưa có trong danh mục; giữ nguyên tên)"
        for duty in record.duties:
            deadline = f"; thời hạn: {', '.join(duty.deadlines)}" if duty.deadlines else ""
            by_line.setdefault(duty.line, []).append(f"Nhiệm vụ của {record.agency_label[:70]}{known}{deadline}")
    kinds = {id(section): (kind, year) for section, kind, year in classified_sections(plan)}
    rows = []
    for section in plan.sections():
        if section.line and section.style not in ("preamble",):
            understood = kinds.get(id(section))
            if understood:
                kind, year = understood
                said = ("Mục hiện trạng: các con số được đọc là giá trị hiện nay" if kind == "status" else
                        f"Mục chỉ tiêu{f' (năm {year})' if year else ''}: các con số được đọc là mục tiêu")
            elif any("to chuc thuc hien" in fold(node.title) for node in section.ancestors):
                said = "Mục tổ chức thực hiện: nhiệm vụ của từng cơ quan"
            else:
                said = "Mục nội dung: dùng để tìm kiếm, không đọc chỉ tiêu"
            rows.append({"line": section.line, "page": section.page, "mark": "mục", "text": section.heading[:120],
                         "said": said})
        for line in section.lines:
            said = by_line.get(line.number)
            if said:
                rows.append({"line": line.number, "page": line.page, "mark": "đọc", "text": line.text[:160],
                             "said": "; ".join(dict.fromkeys(said))})
            elif id(section) in kinds and _NUMBER.search(line.text):
                rows.append({"line": line.number, "page": line.page, "mark": "chưa đọc", "text": line.text[:160],
                             "said": "Dòng trong mục chỉ tiêu/hiện trạng có con số nhưng không đọc được giá trị nào"})
            elif id(section) not in kinds and _MEASURE.search(line.text):
                rows.append({"line": line.number, "page": line.page, "mark": "chưa đọc", "text": line.text[:160],
                             "said": "Con số nằm ngoài mục chỉ tiêu/hiện trạng: không dùng để trả lời"})
    return sorted(rows, key=lambda row: row["line"])
