"""Officials' questions about a plan's body (issue 14, item 8 and the tester's findings):
documents referred to anywhere in the text, found by their subject; deadlines stated for a
group or outside an agency's section; duties of today's merged departments; short duty
answers with "Xem thêm" buttons; country-wide counts the answer units do not hold.

Everything runs on the real plans, knowledge and index (no stack needed); the NLU's intent
is given as Rasa would give it.
"""
import pytest

from actions import knowledge_base as kb
from actions.answers import duties
from index.retrieval import load_unit_index
from actions.router import Turn, route
from actions.understanding import read_question
from core import regions
from core.vocabulary import agencies, agency_predecessors
from index.plans.passages import plan_clauses, references_in


def ask(text: str, intent: str):
    return route(Turn(text, intent, []))


def sections(reply) -> list[str]:
    return [source["section"] for source in reply.sources]


# ---- documents referred to anywhere in the text

def test_clauses_hold_references_and_deadlines_outside_the_legal_bases():
    clauses = plan_clauses(kb.plans().plan("tien-giang"))
    cited = {ref for clause in clauses for ref in clause.references}
    assert "Quyết định số 557/QĐ-UBND" in cited          # in VI.1, not in "Căn cứ"
    assert "Kế hoạch số 370/KH-UBND" in cited            # in VII "Chế độ báo cáo"
    reporting = [c for c in clauses if c.deadlines and "CHẾ ĐỘ BÁO CÁO" in c.section]
    assert reporting and {"provincial_departments", "district_committees"} <= set(reporting[0].agencies)
    assert "trước ngày 01/12 hàng năm" in reporting[0].deadlines


def test_reference_patterns():
    assert references_in("theo Thông tư số 14/2022/TT-BTTTT ngày 28/10/2022") == ["Thông tư số 14/2022/TT-BTTTT"]
    assert references_in("Căn cứ Nghị quyết 08-NQ/TU ngày 06 tháng 10 năm 2021") == ["Nghị quyết số 08-NQ/TU"]
    assert references_in("triển khai thực hiện Kế hoạch này") == []


@pytest.mark.parametrize("intent", ["ask_document", "ask_plan_info"])
def test_a_decision_cited_in_a_duty_is_found_by_its_subject(intent):
    reply = ask("Kế hoạch Tiền Giang dẫn quyết định nào về quy hoạch hạ tầng kỹ thuật viễn thông thụ động?", intent)
    assert reply.kind == "document" and "557/QĐ-UBND" in reply.text, reply.text
    assert sections(reply) == ["VI. TỔ CHỨC THỰC HIỆN › 1. Sở Thông tin và Truyền thông"]
    assert "749/QĐ-TTg" not in reply.text                 # not the nearest legal basis


def test_a_plan_cited_in_the_reporting_clause_is_found_by_its_number():
    reply = ask("Kế hoạch Tiền Giang có nhắc đến Kế hoạch chuyển đổi số 370 không?", "ask_document")
    assert "370/KH-UBND" in reply.text and sections(reply) == ["VII. CHẾ ĐỘ BÁO CÁO"], reply.text


def test_the_kind_asked_narrows_the_documents():
    reply = ask("Kế hoạch Bình Phước căn cứ nghị quyết nào về chuyển đổi số?", "ask_document")
    assert "04-NQ/TU" in reply.text and "749/QĐ-TTg" not in reply.text, reply.text


def test_a_subject_the_plan_cites_nothing_on_is_said_so():
    reply = ask("Kế hoạch Tiền Giang có dẫn quyết định nào về an toàn thông tin không?", "ask_document")
    assert "không có văn bản nào được nêu về “an toàn thông tin”" in reply.text, reply.text
    assert "Quyết định số" not in reply.text and "/QĐ-" not in reply.text


def test_a_question_without_a_subject_still_lists_the_legal_bases():
    reply = ask("Kế hoạch Tiền Giang căn cứ văn bản nào?", "ask_document")
    assert "749/QĐ-TTg" in reply.text and "885/QĐ-BTTTT" in reply.text


# ---- deadlines stated for groups, or outside the agencies' sections

@pytest.mark.parametrize("question", [
    "Các sở, ban, ngành Tiền Giang phải báo cáo kết quả thực hiện trước ngày nào?",
    "UBND các huyện Tiền Giang báo cáo khi nào?",
    "Sở Tài chính Tiền Giang phải báo cáo trước ngày nào?",     # bound as one of "các sở, ban, ngành"
    "cac so ban nganh tien giang bao cao truoc ngay nao",
])
def test_a_group_reporting_deadline_is_found_for_the_group_and_its_members(question):
    reply = ask(question, "ask_duty")
    assert reply.kind == "duty" and "trước ngày 01/12 hàng năm" in reply.text, reply.text
    assert "VII. CHẾ ĐỘ BÁO CÁO" in sections(reply)
    assert len(reply.text) <= 600
    assert "sở Tài chính" not in reply.text       # a proper name keeps its capital in the sentence


def test_the_deadline_excerpt_keeps_the_deadline():
    reply = ask("Doanh nghiệp viễn thông Tuyên Quang phải gửi kế hoạch trước ngày nào?", "ask_duty")
    # in the label and in the quoted duty, not cut off after "..."
    assert reply.text.count("trước 20 tháng 12 hàng năm") == 2, reply.text


def test_a_named_plan_without_a_deadline_for_the_agency_says_so():
    reply = ask("Sở Xây dựng Hậu Giang phải báo cáo khi nào?", "ask_duty")
    assert reply.kind == "duty" and "không nêu thời hạn" in reply.text, reply.text
    assert "01/12" not in reply.text and reply.buttons and reply.sources


def test_deadlines_across_plans_still_name_each_plan():
    reply = ask("doanh nghiệp viễn thông phải gửi kế hoạch trước ngày nào?", "ask_duty")
    assert "Tuyên Quang" in reply.text and "trước 20 tháng 12 hàng năm" in reply.text


# ---- today's merged departments get the duties written for the former ones

def test_new_agencies_map_to_the_former_ones():
    assert [old for old, _ in agency_predecessors("dept_science_technology")] == ["dept_information_communications"]
    assert [old for old, _ in agency_predecessors("dept_finance")] == ["dept_planning_investment"]
    assert agency_predecessors("dept_information_communications") == []


def test_science_department_gets_the_former_information_department_s_duties():
    reply = ask("Sở Khoa học và Công nghệ Bình Phước có nhiệm vụ gì", "ask_duty")
    assert "kế hoạch giao cho Sở Thông tin và Truyền thông, nay đã hợp nhất vào Sở Khoa học và Công nghệ" in reply.text
    assert "V. TỔ CHỨC THỰC HIỆN › 2. Nhiệm vụ cụ thể › 2.1. Sở Thông tin và Truyền thông" in sections(reply)
    assert "không có mục nhiệm vụ riêng" not in reply.text


def test_finance_department_gets_its_own_and_the_former_planning_department_s_duties():
    reply = ask("Sở Tài chính Tiền Giang có nhiệm vụ gì", "ask_duty")
    assert "vốn chi thường xuyên" in reply.text                           # its own section VI.2
    assert "thu hút đầu tư" in reply.text and "Sở Kế hoạch và Đầu tư" in reply.text     # VI.3, written for KH&ĐT


def test_a_department_named_only_in_a_plan_via_its_former_name_is_found_for_the_province():
    # Bình Phước's plan has no "Sở Khoa học và Công nghệ" section: the province is still one
    # where the department has duties (through Sở TT&TT).
    assert "binh-phuoc" in duties.plans_with("dept_science_technology", ("binh-phuoc",))


# ---- short duty answers, the rest behind "Xem thêm"

DUTY_ANSWER_CHARS = 850      # header + a few duties + the 2025 note; measured max 817 on 2026-11-30


def test_duty_answers_stay_short_and_offer_the_group_duties_as_buttons():
    longest = []
    for plan in kb.plans().plans:
        for agency in agencies():
            question = read_question(f"{agency.name} {regions.province_of_plan(plan.id)} có nhiệm vụ gì", "ask_duty")
            question.agencies = [agency.id]
            reply = duties.answer_duties(question, (plan.id,))
            longest.append((len(reply.text), plan.id, agency.id))
    assert max(longest)[0] <= DUTY_ANSWER_CHARS, sorted(longest)[-3:]
    reply = ask("Sở Tài chính Tiền Giang có nhiệm vụ gì", "ask_duty")
    assert "Theo chức năng, nhiệm vụ có trách nhiệm hỗ trợ" not in reply.text      # the group's duty: one click away
    assert any(b["title"].startswith("Xem thêm") for b in reply.buttons)
    follow = ask(reply.buttons[0]["payload"], "ask_duty")
    assert "Theo chức năng, nhiệm vụ có trách nhiệm hỗ trợ" in follow.text, follow.text


# ---- country-wide counts the answer units do not hold

@pytest.mark.parametrize("question", ["cả nước có bao nhiêu trạm 5G", "cả nước có bao nhiêu hộ có cáp quang",
                                      "ca nuoc co bao nhieu thue bao 4g"])
def test_a_national_count_of_something_else_is_not_the_2g_subscriber_unit(question):
    choice = load_unit_index().choose(question)
    assert not (choice.accepted and choice.unit["id"] == "2g-subscriber-numbers")
    reply = ask(question, "ask_status")
    assert "18,2 triệu" not in reply.text and "thuê bao chỉ dùng 2G" not in reply.text, reply.text


def test_the_2g_subscriber_count_is_still_given():
    reply = ask("Cả nước còn bao nhiêu thuê bao 2G?", "ask_status")
    assert "3,4 triệu" in reply.text


def test_a_group_s_duties_come_from_the_wider_heading_that_binds_it():
    # Tiền Giang VI.6 "Các sở, ban, ngành tỉnh và Ủy ban nhân dân các huyện ...": the duties
    # of "các sở, ban, ngành", before other agencies' duties that merely name them.
    reply = ask("Các sở, ban, ngành Tiền Giang có nhiệm vụ gì", "ask_duty")
    assert "Theo chức năng, nhiệm vụ có trách nhiệm hỗ trợ" in reply.text, reply.text
    assert sections(reply)[0].startswith("VI. TỔ CHỨC THỰC HIỆN › 6.")


def test_the_more_button_of_a_clipped_duty_answer_gives_the_whole_list():
    short = ask("Sở Thông tin và Truyền thông Tiền Giang có nhiệm vụ gì", "ask_duty")
    assert "nhiệm vụ khác" in short.text and len(short.text) <= DUTY_ANSWER_CHARS
    button = next(b for b in short.buttons if b["title"] == "Xem thêm các nhiệm vụ khác")
    whole = ask(button["payload"], "ask_duty")
    # every duty of VI.1 a)–g), the one on the 557/QĐ-UBND planning among them
    assert "Quy hoạch hạ tầng kỹ thuật viễn thông thụ động" in whole.text and "nhiệm vụ khác" not in whole.text
    assert whole.text.count("\n•") == 7, whole.text


def test_a_topic_mentioned_is_not_read_as_a_cited_document():
    reply = ask("Kế hoạch Tiền Giang có nhắc đến phủ sóng 5G không?", "ask_plan_info")
    assert "không có văn bản nào được nêu" not in reply.text, reply.text
