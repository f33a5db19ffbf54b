"""Old names and small places answered from the plan today's province publishes.

A plan for a province the corpus lacks (tests/admin/lam-dong-2026.txt, made up, dated
15/1/2026: after the reorganisation, so it covers the whole of today's Lâm Đồng) is
published into a copy of the plans and index (the real `python -m index build`); then
the router (the intent given, as Rasa would give it) answers for the former province
Đắk Nông, a former district and a commune of it, and a comparison with a province
without a plan names that province.
"""
from pathlib import Path

import pytest

from actions.router import Turn, route

PLAN = Path(__file__).resolve().parent / "admin" / "lam-dong-2026.txt"


def ask(text: str, intent: str):
    return route(Turn(text=text, intent=intent, entities=[]))


@pytest.fixture
def lam_dong_published(published_copy):
    from index import publish
    staged = publish.stage_upload("lam-dong.txt", PLAN.read_bytes())
    publish.publish(staged.sha256)
    yield
    publish.remove("lam-dong-2026")


def test_old_names_and_small_places_get_today_s_plan(lam_dong_published):
    for question in ("Mục tiêu tốc độ băng rộng di động của Đắk Nông năm 2027?",
                     "muc tieu toc do bang rong di dong cua dak nong nam 2027",
                     "huyện Đắk Mil mục tiêu tốc độ băng rộng di động năm 2027 là bao nhiêu?",
                     "o xa Quang Son tinh Dak Nong cu muc tieu toc do di dong nam 2027"):
        reply = ask(question, "ask_target")
        assert reply.kind == "target" and "80" in reply.text, (question, reply.text)
        assert reply.sources[0]["plan"] == "lam-dong-2026", question
        assert "Lâm Đồng" in reply.text.splitlines()[0], reply.text        # the link, said first

    home = ask("tôi ở Đắk Nông", "inform_province")
    assert "lam-dong-2026" in home.context.get("plan_ids", []), home
    assert "thuộc tỉnh Lâm Đồng" in home.text

    # a comparison names the province it has no plan for (one publish for both checks)
    reply = ask("So sánh mục tiêu tốc độ băng rộng di động của Lâm Đồng và Gia Lai", "ask_compare")
    assert "Lâm Đồng" in reply.text and "Gia Lai" in reply.text, reply.text
    reply = ask("So sánh mục tiêu tốc độ băng rộng di động của Tiền Giang và Bình Thuận", "ask_compare")
    assert "Bình Thuận" in reply.text and "Tiền Giang" in reply.text, reply.text


def test_a_former_province_without_a_plan_of_today_s_unit_is_said_plainly():
    reply = ask("Mục tiêu cáp quang của Đắk Nông là bao nhiêu?", "ask_target")
    assert reply.kind == "no_plan" and "thuộc tỉnh Lâm Đồng" in reply.text, reply.text
    reply = ask("nhà tôi ở phường Cái Khế, mục tiêu phủ sóng 5G là bao nhiêu?", "ask_target")
    assert reply.kind == "no_plan" and "thành phố Cần Thơ" in reply.text, reply.text
    assert "tỉnh nào" not in reply.text.lower()
    # where to look instead: the plans of the parts of today's unit (not an answer for it)
    assert [b["title"] for b in reply.buttons] == ["Mục tiêu của Sóc Trăng", "Mục tiêu của Hậu Giang"]
    reply = ask("Hà Giang đặt mục tiêu cáp quang bao nhiêu?", "ask_target")
    assert reply.kind == "no_plan" and [b["title"] for b in reply.buttons] == ["Mục tiêu của Tuyên Quang"]


def test_a_national_question_from_a_commune_is_answered_with_its_province():
    reply = ask("nhà tôi ở xã Ea Kar, khi nào thì tắt sóng 2G vậy?", "ask_programme")
    assert reply.kind == "programme" and "tỉnh Đắk Lắk" in reply.text, reply.text
    assert "2G" in reply.text and "tỉnh nào" not in reply.text.lower()


@pytest.mark.parametrize("text, kept", [
    ("nhà tôi ở xã Ea Kar, khi nào thì tắt sóng 2G vậy?", "khi nào thì tắt sóng 2G vậy?"),
    ("gia dinh em tai huyen cu chi, may cuc gach con goi duoc ko", "may cuc gach con goi duoc ko"),
    # a clause that asks keeps its words: only the place goes
    ("khi nào tắt 2G ở Đắk Lắk, còn 3G?", "khi nào tắt 2G ở"),
])
def test_the_asked_part_drops_the_clause_that_only_says_where_the_asker_lives(text, kept):
    from actions.answers import programmes
    from actions.understanding import read_question
    asked = programmes._asked(read_question(text, "ask_programme"))
    assert asked.strip().startswith(kept) and "Ea Kar" not in asked and "Đắk Lắk" not in asked


@pytest.mark.parametrize("text, place", [
    ("me toi xai cai dien thoai nokia doi cu chi nghe goi duoc thoi", None),
    ("toi o cu chi, song yeu qua", "Củ Chi"),
    ("Tôi ở Đồng Xoài", "Đồng Xoài"),
])
def test_a_district_typed_without_diacritics_or_kind_needs_a_locative_before_it(text, place):
    from core import regions
    names = [p.name for p in regions.find_places(text)]
    assert names == ([place] if place else [])
