"""Places: old and new province names, plans that exist, plans that do not."""
from actions import knowledge_base as kb
from actions.phrases import buttons as response_buttons
from actions.phrases import say
from actions.reply import Reply, plan_source
from actions.understanding import Question
from core import regions
from core.vocabulary import agency_changes
from core.text import fold
from index.plans import load_catalog, plan_standing, plan_unit


def _province_row(plan_id: str) -> dict | None:
    return next((row for row in kb.changes()["provinces"] if row["plan"] == plan_id), None)


def plan_label(plan_id: str) -> str:
    """"tỉnh Tiền Giang (nay thuộc tỉnh Đồng Tháp)": the plan's province as answers name it."""
    row = _province_row(plan_id)
    if row is None:                     # a plan added to the catalogue after the reorganisation data
        info = next(i for i in load_catalog() if i.id == plan_id)
        return say("utter_plan_province", kind="tỉnh", name=info.province)
    if row["new_unit"] == row["old"]:
        return say("utter_plan_province", kind=row["old_kind"], name=row["old"])
    return say("utter_plan_province_now", kind=row["old_kind"], name=row["old"],
               new_kind=row["new_unit_kind"], new_name=row["new_unit"])


def plan_reference(plan_id: str) -> str:
    """"Kế hoạch số 540/KH-UBND của tỉnh Tiền Giang (nay thuộc tỉnh Đồng Tháp), kế hoạch
    2023–2025, đã hết kỳ", or for a plan without a number "kế hoạch (dự thảo) của tỉnh Sóc
    Trăng (...), ...": how an answer cites the document in its text, with whether it is in
    force today (the full title is in the sources)."""
    info = kb.plans().plan(plan_id).info
    if info.number:
        reference = say("utter_plan_numbered", number=info.number, province_label=plan_label(plan_id))
    else:
        reference = say("utter_plan_draft" if info.status == "draft" else "utter_plan_unnumbered",
                        province_label=plan_label(plan_id))
    return say("utter_plan_with_standing", reference=reference, standing=plan_standing_label(plan_id))


def plan_intro_source(plan_id: str) -> dict:
    plan = kb.plans().plan(plan_id)
    first = next(iter(plan.sections()))
    return plan_source(plan.info.province, plan.info.document, first.path_text, plan.id, first.anchor)


def covered_provinces() -> str:
    return ", ".join(plan_label(info.id) for info in load_catalog())


def _plans_of_today_units(question: Question) -> list[str]:
    """Plans published for a part of the unit a place without a plan belongs to today
    (Hà Giang → the old Tuyên Quang's plan; phường Cái Khế → Sóc Trăng's, Hậu Giang's):
    not an answer for the place, but where the asker may look."""
    units = {fold(unit) for place in question.no_plan_places if len(place.today) == 1 for unit in place.today}
    return [info.id for info in load_catalog() if plan_unit(info) in units]


def no_plan(question: Question) -> Reply:
    names = ", ".join(dict.fromkeys(place.name for place in question.no_plan_places))
    notes = " ".join(question.place_notes)
    text = say("utter_no_plan_for_place", names=names, notes=notes, plans=covered_provinces()).replace("  ", " ")
    buttons = [button for plan_id in _plans_of_today_units(question)
               for button in response_buttons("utter_province_intro_buttons", province=kb.province_of(plan_id))[:1]]
    return Reply("no_plan", text.strip(), buttons=buttons[:4])


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
        elif composition := regions.composition_note(place.name):
            lines.append(composition)
        elif place.plan_ids:
            lines.append(say("utter_province_unchanged", name=place.name))
        else:
            lines.append(say("utter_place_unknown_change", plans=covered_provinces(), name=place.name))
        sources += [plan_intro_source(plan_id) for plan_id in place.plan_ids]
    for change in agency_changes(question.text):
        lines.append(change["note"])
        sources.append(_source_of(change, say("utter_section_agency_changes")))
    if not lines:
        rows = kb.changes()["provinces"]
        lines = [row["note"] for row in rows]
        sources = [_source_of(kb.changes()["reorganisation"], say("utter_section_reorganisation"))]
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
    buttons = [button for plan_id in question.plan_ids
               for button in response_buttons("utter_province_intro_buttons",
                                              province=kb.province_of(plan_id))]
    labels = " và ".join(plan_label(plan_id) for plan_id in question.plan_ids)
    text = say("utter_province_intro", notes=notes, plans=labels)
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
