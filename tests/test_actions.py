"""The answers the custom actions compose, given an intent (as Rasa would give it).

The action code runs for real against the real knowledge and index; only the NLU is
out of the loop here (tests/test_e2e_chat.py covers the whole chain through Rasa).
"""
import re

import pytest

from actions.answers.eligibility import eligibility_result, household_from_text
from actions.reply import KINDS
from actions.dialogue import eligibility_check_applies
from actions.router import Turn, route


def ask(text: str, intent: str, context=None, pending=None, entities=None):
    return route(Turn(text, intent, entities or [], context=context, pending=pending))


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text.lower()).replace(",", ".")


@pytest.mark.parametrize("question, intent, kind, province, expected", [
    ("Mục tiêu tốc độ băng rộng di động của Tiền Giang năm 2025?", "ask_target", "target", "Tiền Giang", ["70mbps"]),
    ("muc tieu toc do bang rong co dinh tuyen quang", "ask_target", "target", "Tuyên Quang", ["120mbps"]),
    ("hien trang cap quang tuyen quang", "ask_status", "status", "Tuyên Quang", ["54.83%"]),
    ("Sóc Trăng muốn tốc độ 4G tối thiểu bao nhiêu?", "ask_target", "target", "Sóc Trăng", ["tốithiểu40mbps"]),
    ("Đồng Nai đặt mục tiêu hộ gia đình có cáp quang bao nhiêu", "ask_target", "target", "Bình Phước", ["100%"]),
    ("Tuyên Quang có bao nhiêu máy chủ ảo?", "ask_status", "status", "Tuyên Quang", ["khoảng50máychủảo"]),
    ("Đến năm 2030 Tuyên Quang muốn bao nhiêu thuê bao cáp quang trên 100 dân?", "ask_target", "target",
     "Tuyên Quang", ["40thuêbao/100dân(năm2030)"]),
    ("Mục tiêu chung của kế hoạch Bình Phước là gì?", "ask_target", "target", "Bình Phước", ["95mbps"]),
    ("Sở Xây dựng Hậu Giang phải làm gì?", "ask_duty", "duty", "Hậu Giang", ["cấpphép"]),
    ("Công an tỉnh có nhiệm vụ gì?", "ask_duty", "duty", "Tuyên Quang", ["anninhmạng"]),
    ("Kế hoạch Sóc Trăng đã ban hành chưa?", "ask_document", "document", "Sóc Trăng", ["dựthảo"]),
    ("Tiền Giang kế hoạch số mấy?", "ask_document", "document", "Tiền Giang", ["540/kh-ubnd"]),
    ("kinh phí thực hiện kế hoạch Hậu Giang lấy từ đâu", "ask_document", "document", "Hậu Giang", ["ngânsách"]),
    ("Tỉnh nào có mục tiêu tốc độ cố định cao nhất?", "ask_compare", "compare", "Tiền Giang", ["150mbps"]),
])
def test_structured_answers(question, intent, kind, province, expected):
    reply = ask(question, intent)
    assert reply.kind == kind, reply.text
    assert reply.sources and reply.sources[0]["province"] == province
    for text in expected:
        assert text in squash(reply.text), reply.text


def test_every_answer_has_a_known_kind_and_well_formed_sources():
    for question, intent in [("Mục tiêu của Bình Phước", "ask_target"), ("xin chào", "greet"),
                             ("thời tiết hôm nay", "out_of_scope"), ("khi nao tat song 2g", "ask_programme")]:
        reply = ask(question, intent)
        assert reply.kind in KINDS
        for source in reply.sources:
            assert {"province", "document", "section"} <= source.keys()


def test_a_plan_with_two_horizons_gives_both_years():
    reply = ask("Mục tiêu số thuê bao băng rộng di động của Tuyên Quang?", "ask_target")
    assert "(năm 2025)" in reply.text and "(năm 2030)" in reply.text


def test_no_province_asks_which_and_the_answer_follows_the_reply():
    first = ask("Mục tiêu tốc độ băng rộng di động năm 2025?", "ask_target")
    assert first.kind == "clarify" and len(first.buttons) >= 5
    pending = first.context["pending"]
    second = ask(first.buttons[0]["payload"], "inform_province", pending=pending,
                 entities=[{"entity": "province", "value": "Tiền Giang"}])
    assert second.kind == "target" and second.sources[0]["province"] == "Tiền Giang"
    assert "70mbps" in squash(second.text)


def test_follow_ups_reuse_the_context():
    first = ask("Mục tiêu số thuê bao băng rộng di động của Tuyên Quang năm 2025?", "ask_target")
    year = ask("còn năm 2030 thì sao?", "inform_year", context=first.context)
    assert year.kind == "target" and "(năm 2030)" in year.text and "(năm 2025)" not in year.text
    other = ask("thế còn Bình Phước?", "inform_province", context=first.context)
    assert other.sources[0]["province"] == "Bình Phước" and "100thuêbao/100dân" in squash(other.text)


def test_a_follow_up_naming_indicators_in_part_asks_which():
    first = ask("so sánh tỷ lệ hộ gia đình có cáp quang của các tỉnh", "ask_compare")
    which = ask("còn di động?", "ask_compare", context=first.context)
    assert which.kind == "clarify" and which.context is None        # the topic is kept
    titles = [b["title"] for b in which.buttons]
    assert "Tốc độ băng rộng di động (tải xuống, i-Speed)" in titles and len(titles) <= 5
    assert not any("cáp quang" in t for t in titles)
    chosen = next(b for b in which.buttons if "Tốc độ băng rộng di động" in b["title"])
    again = ask(chosen["payload"], "ask_compare", context=first.context)
    assert again.kind == "compare" and "Mbps" in again.text and "cáp quang" not in again.text.lower()
    # one indicator named in part: answered, no question back
    fibre = ask("Mục tiêu tỷ lệ hộ có cáp quang Sóc Trăng 2025", "ask_target")
    one = ask("còn thôn có sóng?", "ask_target", context=fibre.context)
    assert one.kind in ("target", "status") and one.sources[0]["province"] == "Sóc Trăng"


def test_did_it_reach_the_target_is_a_follow_up_whatever_the_intent():
    first = ask("Mục tiêu tỷ lệ hộ có cáp quang Sóc Trăng 2025", "ask_target")
    reached = ask("đạt chưa?", "affirm", context=first.context)
    assert reached.kind in ("status", "target") and reached.sources[0]["province"] == "Sóc Trăng"
    assert "hiện trạng" in reached.text.lower()                   # says what it has of today's value
    assert ask("đạt chưa?", "affirm").kind == "chitchat"           # nothing to follow: small talk


def test_a_sentence_that_states_its_value_is_quoted_whole():
    reply = ask("mục tiêu phủ sóng 5G Tuyên Quang năm 2030", "ask_target")
    assert "100% dân số các khu vực có nhu cầu sử dụng" in reply.text


def test_a_province_without_a_plan_is_said_plainly():
    for question in ("Kế hoạch hạ tầng số của Hà Nội có mục tiêu gì?", "lao cai muc tieu cap quang"):
        reply = ask(question, "ask_target")
        assert reply.kind == "no_plan" and not reply.sources
        assert "Tiền Giang" in reply.text                    # lists what is covered


def test_ha_giang_is_not_answered_from_the_tuyen_quang_plan():
    reply = ask("Hà Giang đặt mục tiêu cáp quang bao nhiêu?", "ask_target")
    assert reply.kind == "no_plan" and "Tuyên Quang" in reply.text


def test_new_and_old_names():
    reply = ask("Bình Phước bây giờ thuộc tỉnh nào?", "ask_place")
    assert "Đồng Nai" in reply.text
    reply = ask("Tôi ở Cần Thơ", "inform_province")
    assert {s["province"] for s in reply.sources} == {"Sóc Trăng", "Hậu Giang"}
    reply = ask("Sở TT&TT bây giờ là sở nào?", "ask_place")
    assert "Sở Khoa học và Công nghệ" in reply.text
    reply = ask("Cai Lậy giờ thuộc đâu", "ask_place")          # a former district: said once
    assert "Đồng Tháp" in reply.text and len(reply.text.splitlines()) == len(set(reply.text.splitlines()))


def test_merged_agency_names_today_s_successor():
    reply = ask("Sở Kế hoạch và Đầu tư Tiền Giang có nhiệm vụ gì?", "ask_duty")
    assert "Sở Tài chính" in reply.text and "thu hút đầu tư" in reply.text
    reply = ask("nhiem vu cua ubnd cac huyen o binh phuoc", "ask_duty")
    assert "cấp huyện không còn" in reply.text


def test_deadlines_across_plans():
    reply = ask("doanh nghiệp viễn thông phải gửi kế hoạch trước ngày nào?", "ask_duty")
    assert reply.kind == "duty" and "trước 20 tháng 12 hàng năm" in reply.text
    assert reply.sources[0]["province"] == "Tuyên Quang"


def test_programme_answers_know_the_programme_has_ended():
    reply = ask("Hộ nghèo có được hỗ trợ điện thoại thông minh không?", "ask_programme")
    assert reply.kind == "programme" and "hộ cận nghèo" in reply.text and "500.000" in reply.text
    assert "31/12/2025" in reply.text
    assert all(source["url"].startswith("http") for source in reply.sources)
    assert "4g" in ask("Điện thoại của tôi chỉ có 2G, tôi phải làm gì?", "ask_programme").text.lower()
    assert "16/10/2024" in ask("Từ ngày nào máy 2G bị cắt sóng?", "ask_programme").text


def test_retrieval_quotes_a_passage_or_says_it_found_nothing():
    reply = ask("Tiền Giang có giải pháp gì về IPv6?", "ask_plan_info")
    assert reply.kind == "search" and reply.sources[0]["province"] == "Tiền Giang" and "IPv6" in reply.text
    for question in ("giá vàng hôm nay", "cách nấu phở bò", "asdfgh qwerty"):
        assert ask(question, "nlu_fallback").kind == "fallback", question


def test_out_of_scope_and_small_talk():
    assert ask("kể chuyện cười", "out_of_scope").kind == "out_of_scope"
    assert ask("xin chào", "greet").kind == "chitchat"


@pytest.mark.parametrize("text, expected", [
    ("hộ nghèo", "hộ nghèo"), ("nhà tôi cận nghèo", "hộ cận nghèo"), ("ho can ngheo", "hộ cận nghèo"),
    ("gia đình có công với cách mạng", "gia đình chính sách"), ("không thuộc diện nào", "khác"),
    ("tôi thích ăn phở", None),
])
def test_household_answers(text, expected):
    assert household_from_text(text) == expected


def test_eligibility_results():
    bought = eligibility_result("hộ nghèo", False, True)
    assert bought.kind == "eligibility" and "500.000 đồng/hộ" in bought.text and "31/12/2025" in bought.text
    bundle = eligibility_result("hộ cận nghèo", False, False)
    assert "gói dịch vụ hỗ trợ kết hợp" in bundle.text
    had_tablet = eligibility_result("hộ nghèo", True, False)
    assert "không đủ điều kiện" in had_tablet.text
    other = eligibility_result("khác", False, False)
    assert "không thuộc đối tượng" in other.text
    assert all(s["url"] for s in bought.sources)


def test_a_bare_follow_up_switches_between_target_and_status():
    first = ask("Mục tiêu cáp quang hộ gia đình của Tuyên Quang?", "ask_target")
    now = ask("còn hiện nay thì sao?", "ask_status", context=first.context)
    assert now.kind == "status" and "54.83%" in squash(now.text)


@pytest.mark.parametrize("question, form", [
    ("Tôi có được hỗ trợ điện thoại không?", True),
    ("nha toi ho ngheo co duoc nhan dien thoai khong", True),
    ("Điện thoại của tôi chỉ có 2G, tôi phải làm gì?", False),
    ("tôi có được hỗ trợ gói cước không", False),
])
def test_the_eligibility_check_starts_only_for_smartphone_support(question, form):
    assert eligibility_check_applies(Turn(question, "check_eligibility", [])) is form
    if not form:
        assert ask(question, "check_eligibility").kind == "programme"


@pytest.mark.parametrize("question, not_expected", [
    ("tiền giang hiện trạng phủ sóng 4G", "population_5g_coverage"),          # 4G is not 5G
    ("ty le nguoi dan co tai khoan thanh toan dien tu", "cloud_accounts_per_person"),  # "toan" ≠ "điện toán"
    ("Sóc Trăng muốn bao nhiêu phần trăm người dùng di động chuyển sang smartphone?", "internet_users"),
])
def test_partial_phrase_matches_do_not_invent_an_indicator(question, not_expected):
    from actions.understanding import find_indicators
    assert not_expected not in find_indicators(question)


def test_a_target_question_on_a_topic_without_an_indicator_is_searched_not_listed():
    reply = ask("mục tiêu IPv6 của Hậu Giang", "ask_target")
    assert reply.kind == "search" and reply.sources[0]["province"] == "Hậu Giang"
    assert "ipv6" in reply.text.lower()
    listing = ask("Các mục tiêu của Hậu Giang?", "ask_target")
    assert listing.kind == "target" and len(listing.sources) > 5


def test_an_agency_without_its_own_section_is_shown_where_other_duties_name_it():
    reply = ask("Doanh nghiệp viễn thông ở Bình Phước có nhiệm vụ gì?", "ask_duty")
    assert reply.kind == "duty" and "không có mục nhiệm vụ riêng" in reply.text
    assert "Sở Thông tin và Truyền thông" in reply.text and "doanh nghiệp viễn thông" in reply.text
    assert reply.sources and reply.sources[0]["province"] == "Bình Phước"


def test_an_unsure_nlu_still_gets_the_programme_answer_when_the_topic_is_clear():
    reply = ask("Nhà tôi là hộ nghèo, đăng ký nhận điện thoại ở đâu?", "nlu_fallback")
    assert reply.kind == "programme" and "đã kết thúc" in reply.text


def test_an_indicator_the_plan_lacks_is_said_and_the_related_passage_quoted():
    reply = ask("Sóc Trăng mục tiêu thuê bao băng rộng cố định", "ask_target")
    assert reply.text.startswith("Kế hoạch của tỉnh Sóc Trăng") and "không nêu chỉ tiêu" in reply.text
    assert all(source["province"] == "Sóc Trăng" for source in reply.sources)


def test_a_question_asking_for_a_share_prefers_the_percent_indicator():
    reply = ask("Hậu Giang muốn bao nhiêu % xã kết nối mạng truyền số liệu chuyên dùng?", "ask_target")
    assert reply.kind == "target" and "100%" in reply.text, reply.text
    assert reply.sources[0]["province"] == "Hậu Giang"


def test_a_comparison_asked_for_the_lowest_names_the_lowest():
    lowest = route(Turn("tinh nao co muc tieu ty le ho gia dinh co cap quang thap nhat", "ask_compare", []))
    assert lowest.kind == "compare" and "Thấp nhất: Tuyên Quang (56%)" in lowest.text
    highest = route(Turn("So sánh mục tiêu tốc độ băng rộng cố định của các tỉnh", "ask_compare", []))
    assert "Cao nhất: Tiền Giang (150 Mbps)" in highest.text and "Thấp nhất" not in highest.text


@pytest.mark.parametrize("text, intent", [("/affirm", "affirm"), ("affirm", "out_of_scope"), ("deny", "deny")])
def test_a_yes_no_button_after_the_check_closed_says_so(text, intent):
    """A stale button: "/affirm" as clicked, or "affirm" as the web app passes a payload it
    did not offer in its last reply."""
    reply = route(Turn(text, intent, []))
    assert reply.kind == "chitchat" and "đã kết thúc" in reply.text
    assert route(Turn("vâng", "affirm", [])).text != reply.text      # a typed yes is small talk


def test_a_plan_read_from_pages_is_cited_with_its_page():
    from dataclasses import replace as replaced

    from actions import knowledge_base as kb
    from actions.answers.values import _text
    from actions.reply import cite, record_source

    record = next(r for r in kb.plans().values if r.plan == "tien-giang" and r.kind == "target")
    assert record.page == 0 and "trang" not in cite(record) and "page" not in record_source(record)
    paged = replaced(record, page=5)
    assert cite(paged).endswith(", trang 5") and record_source(paged)["page"] == 5
    assert ", trang 5." in _text([paged], "target", [])


def test_the_latest_plan_of_a_merged_province_is_its_standing_not_a_subject():
    reply = ask("Kế hoạch hạ tầng số mới nhất của Đồng Nai là văn bản nào?", "ask_document")
    assert reply.kind == "document" and "Bình Phước" in reply.text and "đã hết kỳ" in reply.text
    assert "không có kế hoạch của Đồng Nai cũ" in reply.text
    assert "mới nhất" not in reply.text and "Quyết định số" not in reply.text   # not read as a subject


def test_the_intent_groups_name_the_domain_s_intents_and_every_answer_kind_has_an_answer():
    import yaml

    from actions import dialogue
    from actions.router import ANSWERS
    from core import knowledge
    from core.settings import PROJECT_ROOT

    intents = set(yaml.safe_load((PROJECT_ROOT / "domain" / "intents.yml").read_text(encoding="utf-8"))["intents"])
    data = knowledge.load(dialogue.INTENT_GROUPS_FILE)
    named = set(data["answers"]) | {i for members in data["groups"].values() for i in members}
    assert named - intents <= {"nlu_fallback"}
    assert intents <= set(data["answers"]), "an intent without its answer kind"
    assert set(data["answers"].values()) | {dialogue.DEFAULT_ANSWER} <= set(ANSWERS)
