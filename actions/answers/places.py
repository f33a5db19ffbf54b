"""Places: old and new province names, plans that exist, plans that do not."""
from actions import knowledge_base as kb
from actions.reply import Reply, plan_source
from actions.understanding import Question
from core import regions
from actions.phrases import say
from index.plans.catalog import load_catalog, plan_standing
from core.text import fold


def _province_row(plan_id: str) -> dict | None:
    return next((row for row in kb.changes()["provinces"] if row["plan"] == plan_id), None)


def plan_label(plan_id: str) -> str:
    """"tỉnh Tiền Giang (nay thuộc tỉnh Đồng Tháp)": the plan's province as answers name it."""
    row = _province_row(plan_id)
    if row is None:                     # a plan added to the catalogue after the reorganisation data
        info = next(i for i in load_catalog() if i.id == plan_id)
        return f"tỉnh {info.province}"
    label = f"{row['old_kind']} {row['old']}"
    if row["new_unit"] != row["old"]:
        label += f" (nay thuộc {row['new_unit_kind']} {row['new_unit']})"
    return label


def plan_reference(plan_id: str) -> str:
    """"Kế hoạch số 540/KH-UBND của tỉnh Tiền Giang (nay thuộc tỉnh Đồng Tháp)", or for a
    plan without a number "kế hoạch (dự thảo) của tỉnh Sóc Trăng (...)": how an answer
    cites the document in its text (the full title is in the sources)."""
    info = kb.plans().plan(plan_id).info
    document = f"Kế hoạch số {info.number}" if info.number else \
        "kế hoạch" + (" (dự thảo)" if info.status == "draft" else "")
    return f"{document} của {plan_label(plan_id)}"


def plan_intro_source(plan_id: str) -> dict:
    plan = kb.plans().plan(plan_id)
    first = next(iter(plan.sections()))
    return plan_source(plan.info.province, plan.info.document, first.path_text, plan.id, first.anchor)


def covered_provinces() -> str:
    return ", ".join(plan_label(info.id) for info in load_catalog())


def no_plan(question: Question) -> Reply:
    names = ", ".join(dict.fromkeys(place.name for place in question.no_plan_places))
    notes = " ".join(question.place_notes)
    text = (f"Dữ liệu hiện chưa có kế hoạch phát triển hạ tầng số của {names}, nên tôi không trả lời "
            f"thay bằng kế hoạch của tỉnh khác. {notes}\n"
            f"Các kế hoạch đang có: {covered_provinces()}.").replace("  ", " ")
    return Reply("no_plan", text.strip())


def _agency_changes(text: str) -> list[dict]:
    folded = f" {' '.join(fold(text).split())} "
    found = []
    for change in kb.changes()["agencies"]:
        names = [change["old"], *change.get("aliases", [])]
        if any(f" {' '.join(fold(name).split())} " in folded for name in names):
            found.append(change)
    return found


def _source_of(entry: dict, section: str) -> dict:
    source = entry.get("source") or {}
    return {"province": "", "document": source.get("title", ""), "section": section,
            "url": source.get("url", "")}


def place_change(question: Question) -> Reply:
    """"Bình Phước bây giờ thuộc tỉnh nào?", "Sở TT&TT giờ là sở nào?"."""
    lines, sources = [], []
    for place in question.places:
        if place.note:
            lines.append(place.note)
        elif place.plan_ids:
            lines.append(f"Tỉnh {place.name} không thay đổi tên trong đợt sắp xếp từ 01/07/2025.")
        else:
            lines.append(f"Dữ liệu của tôi chỉ ghi việc sáp nhập liên quan đến các tỉnh có kế hoạch "
                         f"({covered_provinces()}); tôi chưa có thông tin đã kiểm chứng về {place.name}.")
        sources += [plan_intro_source(plan_id) for plan_id in place.plan_ids]
    for change in _agency_changes(question.text):
        lines.append(change["note"])
        sources.append(_source_of(change, "Sắp xếp cơ quan năm 2025"))
    if not lines:
        rows = kb.changes()["provinces"]
        lines = [row["note"] for row in rows]
        sources = [_source_of(kb.changes()["reorganisation"], "Sắp xếp đơn vị hành chính năm 2025")]
    reorganisation = kb.changes()["reorganisation"]
    if question.places:
        sources.append(_source_of(reorganisation, reorganisation["title"]))
    return Reply("document", "\n".join(lines), sources)


def province_intro(question: Question) -> Reply:
    """The user named a province and nothing else: say which plans that means, and offer
    the usual questions as buttons."""
    if question.no_plan_places and not question.plan_ids:
        return no_plan(question)
    notes = " ".join(question.place_notes)
    buttons = []
    for plan_id in question.plan_ids:
        province = regions.province_of_plan(plan_id)
        buttons += [
            {"title": f"Mục tiêu của {province}", "payload": f"Các mục tiêu chính của kế hoạch hạ tầng số {province}"},
            {"title": f"Nhiệm vụ các sở ở {province}", "payload": f"Nhiệm vụ của Sở Thông tin và Truyền thông {province}"},
        ]
    labels = " và ".join(plan_label(plan_id) for plan_id in question.plan_ids)
    text = f"{notes} Tôi có kế hoạch phát triển hạ tầng số của {labels}. Bạn muốn hỏi gì: mục tiêu, " \
           f"hiện trạng, nhiệm vụ của các cơ quan hay thông tin văn bản?"
    return Reply("clarify", text.strip(), [plan_intro_source(p) for p in question.plan_ids], buttons[:6],
                 context={"intent": "inform_province", "plan_ids": list(question.plan_ids)})


def plan_standing_label(plan_id: str) -> str:
    """"kế hoạch 2023 - 2025, đã hết kỳ" / "..., hiện hành" / "..., đã được thay thế bởi
    Kế hoạch số 87/KH-UBND": which plan an answer uses and whether it is in force today
    (index/plans/catalog.py:plan_standing; words in domain/responses/plan_standing.yml)."""
    catalog = load_catalog()
    info = next(i for i in catalog if i.id == plan_id)
    standing = plan_standing(info, catalog, kb.today())
    draft = say("utter_plan_standing_draft_mark") if standing.draft else ""
    newer = standing.superseded_by.document if standing.superseded_by else ""
    period = standing.period.replace(" - ", "–")
    if period[:4].isdigit() and "–" not in period:      # "2025, định hướng ..." is a year
        period = f"năm {period}"
    return say(f"utter_plan_standing_{standing.code}", period=period, draft=draft, newer=newer)
