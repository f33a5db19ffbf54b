"""The asker's own case (data/knowledge/cases.yml, actions/case.py): reading the case from
the question, matching a fact's conditions, composing the answer with the direct answer
first, the notes on dates, and a person to turn to (actions/answers/contact.py).

The questions here are worded as citizens write them (with and without diacritics) and are
not the facts' own phrases; the knowledge checks at the end hold for every fact.
"""
import datetime as dt
import re

import pytest
import yaml

from actions import case as cases
from actions import knowledge_base as kb
from actions.answers import contact, programmes
from index.retrieval import units_data
from actions.understanding import read_question
from core.settings import PROJECT_ROOT
from core.text import fold

CONFIDENCES = {"High", "Medium-high", "Medium", "Medium-low", "Low-medium", "Low"}
UNIT_IDS = {unit["id"] for unit in units_data()["units"]}


def folded(text: str) -> str:
    return re.sub(r"\s+", " ", fold(text))


# ------------------------------------------------------------------ reading the case

@pytest.mark.parametrize("text, expected", [
    ("máy 4G đời cũ không có VoLTE sau khi tắt hẳn 2G còn gọi được không", {"phone": {"4g"}, "volte": {"no"}}),
    ("may 4g ko co volte con goi dc k", {"phone": {"4g"}, "volte": {"no"}}),
    ("máy tôi có VoLTE rồi", {"volte": {"yes"}}),
    ("con bà có cái máy bàn phím, cũng có 4G", {"form": {"feature"}, "phone": {"4g"}}),
    ("nhà em nhận máy tính bảng rồi thì còn được hỗ trợ điện thoại không",
     {"received": {"tablet"}, "wants": {"phone"}}),
    ("tai khoan het tien co goi 113 duoc ko", {"credit": {"empty"}, "number": {"113"}}),
    ("máy không lắp sim gọi 112 được không", {"sim": {"missing"}, "number": {"112"}}),
    ("112 là số gì vậy", {"number": {"112"}, "asks": {"what"}}),
    ("gọi 114 có phải bấm mã vùng không", {"number": {"114"}, "asks": {"area_code"}}),
    ("Mục tiêu cáp quang của Bình Phước năm 2025?", {}),
    ("", {}),
])
def test_the_case_is_read_from_the_question(text, expected):
    assert cases.read_case(text) == {key: frozenset(values) for key, values in expected.items()}


def test_a_phrase_inside_a_longer_one_says_nothing():
    """"có volte" inside "không có volte"; "máy tính bảng" inside "nhận máy tính bảng"."""
    assert cases.read_case("không có volte")["volte"] == {"no"}
    assert "wants" not in cases.read_case("đã nhận máy tính bảng")


# ------------------------------------------------------------------ conditions

def test_conditions_hold_only_when_every_value_given_is_allowed():
    when = {"phone": ["4g", "none"], "volte": "no"}
    assert cases.holds(when, {"volte": frozenset({"no"})})                       # phone not said: allowed
    assert cases.holds(when, {"volte": frozenset({"no"}), "phone": frozenset({"4g"})})
    assert not cases.holds(when, {"volte": frozenset({"no"}), "phone": frozenset({"4g", "2g_only"})})
    assert not cases.holds(when, {"phone": frozenset({"4g"})})                   # volte required
    assert not cases.holds({"asks": "what"}, {})


def test_the_fact_with_the_most_conditions_wins():
    """A feature phone with 4G and no VoLTE is the no-VoLTE case, not "vẫn dùng được";
    without the VoLTE words it is the feature-phone case."""
    no_volte = cases.read_case("máy bàn phím 4G không có VoLTE thì sao")
    feature = cases.read_case("máy bàn phím 4G có bị ảnh hưởng không")
    assert cases.matching_fact("2g-network-end", no_volte)["id"] == "no-volte-after-2g"
    assert cases.matching_fact("2g-network-end", feature)["id"] == "feature-phone-4g"


def test_a_fact_answers_only_for_its_units():
    case = cases.read_case("nhà em nhận máy tính bảng rồi thì còn được hỗ trợ điện thoại không")
    assert cases.matching_fact("smartphone-conditions", case)["id"] == "tablet-then-phone"
    assert cases.matching_fact("2g-network-end", case) is None
    assert cases.matching_fact("smartphone-conditions", {}) is None       # no case: the unit's own answer


@pytest.mark.parametrize("text, unit, fact", [
    ("het tien trong tai khoan thi goi 113 duoc khong", "emergency-free", "emergency-no-credit"),
    ("khong co sim co goi 112 duoc khong", "emergency-free", "emergency-no-sim"),
    ("112 là số gì", "emergency-free", "what-is-112"),
    ("số 115 là gọi gì", "emergency-numbers", "what-is-115"),
    ("gọi 113 có mất tiền không", "emergency-free", None),              # the unit's answer: it is free
    ("điện thoại thông minh có bị ảnh hưởng khi tắt 2G không", "2g-only-not-network", "smartphone-after-2g"),
    ("máy 3G của tôi còn xài được không", "2g-network-end", "phone-3g"),
    ("ông tôi xài máy cũ, sắp cắt sóng thì nên mua máy gì", "2g-network-end", "which-phone-to-buy"),
    ("gia đình thương binh có được tặng điện thoại không", "smartphone-who", "policy-family-phone"),
])
def test_cases_pick_their_fact(text, unit, fact):
    found = cases.matching_fact(unit, cases.read_case(text))
    assert (found and found["id"]) == fact


# ------------------------------------------------------------------ composition and dates

def unit(unit_id: str) -> dict:
    return next(u for u in units_data()["units"] if u["id"] == unit_id)


def test_the_direct_answer_comes_first_then_the_rule_and_its_source():
    reply = programmes.answer_unit(unit("smartphone-conditions"), read_question(
        "nhà em nhận máy tính bảng rồi thì còn được hỗ trợ điện thoại không", "ask_programme"))
    assert reply.text.startswith("Không. Theo Thông tư 14/2022/TT-BTTTT")
    assert "31/12/2025" in reply.text                     # the rule's period is over: said
    assert reply.sources[0]["url"].startswith("https://xaydungdang")
    assert reply.context["unit"] == "smartphone-conditions"


def test_a_question_without_a_case_keeps_the_unit_answer():
    reply = programmes.answer_unit(unit("2g-network-end"), read_question("bao giờ tắt hẳn sóng 2G", "ask_programme"))
    assert reply.text.startswith(unit("2g-network-end")["answer"])


@pytest.mark.parametrize("today, note", [(dt.date(2026, 12, 6), True), (dt.date(2026, 9, 1), False)])
def test_a_scheduled_date_that_has_passed_is_said_unconfirmed(monkeypatch, today, note):
    monkeypatch.setattr(kb, "today", lambda: today)
    for text, unit_id in [("bao giờ tắt hẳn sóng 2G", "2g-network-end"),
                          ("máy 4G không có VoLTE còn gọi được không", "2g-network-end")]:
        reply = programmes.answer_unit(unit(unit_id), read_question(text, "ask_programme"))
        assert ("chưa có nguồn xác nhận" in reply.text) is note, (today, text)
        assert "15/09/2026" in reply.text or not note


def test_an_ended_rule_is_said_ended_only_after_its_end(monkeypatch):
    question = read_question("gia đình chính sách có được hỗ trợ điện thoại không", "ask_programme")
    monkeypatch.setattr(kb, "today", lambda: dt.date(2025, 6, 1))
    assert "nay đã kết thúc" not in programmes.answer_unit(unit("smartphone-who"), question).text
    monkeypatch.setattr(kb, "today", lambda: dt.date(2026, 12, 6))
    assert "nay đã kết thúc" in programmes.answer_unit(unit("smartphone-who"), question).text


def test_a_confirmed_event_gets_no_note():
    item = {"scheduled": dt.date(2026, 9, 15)}
    assert cases.scheduled_passed(item, dt.date(2026, 12, 6)) == dt.date(2026, 9, 15)
    assert cases.scheduled_passed({**item, "confirmed": True}, dt.date(2026, 12, 6)) is None
    assert cases.scheduled_passed(item, dt.date(2026, 9, 15)) is None


def test_a_long_story_reaches_the_unit_its_case_names():
    """The keyword share of a short question drowns in a story; the stated case (a 2G-only
    phone) still picks a handset unit, and its fact answers first."""
    story = ("Bà ngoại tôi ở quê dùng cái máy cục gạch 2G mấy chục năm nay, chỉ để nghe con cháu gọi về, "
             "không rành gì về mạng mẽo. Hàng xóm bảo máy đó giờ bỏ đi được rồi. Vậy phải làm sao?")
    reply = programmes.answer_programme(read_question(story, "ask_programme"))
    assert reply.kind == "programme" and reply.text.startswith("Không dùng được nữa."), reply.text
    assert programmes.answer_programme(read_question("bà ngoại tôi ở quê khỏe không", "ask_programme")).kind == "fallback"


def test_the_case_carries_over_to_the_next_message():
    earlier = "điện thoại của tôi là máy 4G đời cũ không có VoLTE"
    question = read_question("thế khi tắt hẳn 2G thì máy này còn gọi được không?", "ask_programme")
    assert programmes.answer_programme(question, earlier).text.startswith("Có thể không gọi")
    assert not programmes.answer_programme(question).text.startswith("Có thể không gọi")
    assert cases.read_case("thế còn 113?", "112 là số gì") == {"number": frozenset({"113"})}   # asks is per message


# ------------------------------------------------------------------ a person to turn to

@pytest.mark.parametrize("text, person", [
    ("tổng đài số mấy", True),
    ("tôi muốn nói chuyện với người thật", True),
    ("cho xin so dien thoai cua can bo phu trach vien thong xa", True),
    ("muốn gặp cán bộ để hỏi về hỗ trợ điện thoại", True),
    ("gọi tổng đài bảo vệ trẻ em 111 có tốn tiền không", False),    # a question about 111
    ("tổng đài 112 là gì", False),
    ("khi nào tắt sóng 2G", False),
])
def test_a_request_for_a_person_is_recognised(text, person):
    assert contact.asks_for_person(text) is person


def test_the_contact_answer_uses_the_portal_settings(monkeypatch):
    monkeypatch.setenv("HTS_CONTACT_BODY", "Sở Khoa học và Công nghệ tỉnh Thử")
    monkeypatch.setenv("HTS_CONTACT_PHONE", "0200 000 000")
    reply = contact.answer_contact("cho xin số điện thoại của cán bộ xã")
    assert reply.text.startswith("Tôi không có và không cung cấp số điện thoại riêng")
    assert "Sở Khoa học và Công nghệ tỉnh Thử" in reply.text and "0200 000 000" in reply.text
    assert "18001091" in reply.text and reply.sources[0]["url"].startswith("https://plo.vn")
    monkeypatch.setenv("HTS_CONTACT_PHONE", "")
    assert "điện thoại 0200" not in contact.answer_contact("tổng đài số mấy").text


def test_the_where_to_ask_button_gets_its_unit_with_the_contact_lines():
    button = programmes.unit_buttons(["where-to-ask"])[0]
    found = programmes.unit_for_button(button["payload"])
    assert found and found["id"] == "where-to-ask"
    assert programmes.unit_for_button("Muốn hỏi về hỗ trợ viễn thông thì liên hệ cơ quan nào nữa?") is None
    reply = programmes.answer_unit(found, read_question(button["payload"], "bot_help"))
    assert "Tổng đài nhà mạng" in reply.text


# ------------------------------------------------------------------ the knowledge itself

FACTS = cases.cases_data()["facts"]


@pytest.mark.parametrize("fact", FACTS, ids=[f["id"] for f in FACTS])
def test_every_fact_is_sourced_short_and_names_real_units_and_attributes(fact):
    attributes = cases.cases_data()["attributes"]
    assert fact["confidence"] in CONFIDENCES
    for name in [fact["source"], *(fact.get("more_sources") or ())]:
        assert programmes.named_source(name)["url"].startswith("http")
    assert set(fact["units"]) <= UNIT_IDS
    assert fact["when"]
    for attribute, condition in fact["when"].items():
        allowed = {str(v) for v in (condition if isinstance(condition, list) else [condition])}
        assert attribute in attributes and allowed <= {*map(str, attributes[attribute]), "none"}, attribute
    lines, _ = programmes.compose_fact(fact, "x")
    assert len(" ".join(lines)) <= 600
    assert len(fact["answer"]) <= 110 and fact["answer"].rstrip().endswith(".")


def test_facts_and_units_never_state_what_the_fact_sheets_could_not_find():
    """current_2026.md: no report that 2G actually stopped; no 2026–2030 programme."""
    texts = [f"{f['answer']} {f['rule']} {f.get('then', '')}" for f in FACTS]
    texts += [u["answer"] for u in units_data()["units"]]
    for text in texts:
        assert not re.search(r"(2g|2G) (đã|da) (dừng|tắt|bị tắt)", text), text
        assert "đã phê duyệt chương trình" not in text or "chưa" in text, text


def test_the_file_is_valid_yaml_with_dates():
    data = yaml.safe_load((PROJECT_ROOT / "data" / "knowledge" / "cases.yml").read_text(encoding="utf-8"))
    for fact in data["facts"]:
        for key in ("valid_from", "valid_until", "scheduled"):
            assert key not in fact or isinstance(fact[key], dt.date), (fact["id"], key)
