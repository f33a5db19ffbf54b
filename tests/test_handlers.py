"""Requests and complaints → who handles them (actions/answers/handlers.py,
data/knowledge/handlers.yml). Messages here are worded afresh, in citizens' shapes (a
story before the question, no diacritics, Southern wording), not taken from the
real-question sets."""
import pytest

from actions.answers import handlers
from actions.dialogue import Reading, Turn, read_turn, starts_form
from actions.router import route

PROVINCE_QUESTION = "Bạn hỏi về kế hoạch của tỉnh nào"


def ask(text: str, intent: str, context=None) -> object:
    return route(Turn(text, intent, [], context=context))


@pytest.mark.parametrize("text, subject", [
    ("ấp tui ở mà vô nhà là mất sóng, gọi hoài không được, giờ báo ai xử lý vậy?", "coverage"),
    ("De nghi nha nuoc xay tram phat song cho ban Na Loc, ca ban chua co song", "coverage"),
    ("mấy sợi dây cáp viễn thông thòng xuống ngay đầu hẻm, con nít đi học dễ vướng lắm", "cables"),
    ("cái cột BTS dựng trên nóc nhà kế bên kêu ồn cả đêm, tui gửi đơn đi đâu?", "bts"),
    ("trạm BTS dựng trên sân thượng có cần xin phép không", "bts"),
    ("xã xác nhận hộ nghèo như thế nào", "households"),
    ("114 với 115 là số gì, gọi có mất tiền không", "emergency"),
])
def test_a_request_or_complaint_names_its_subject(text, subject):
    request = handlers.read_request(text)
    assert request is not None and request.subject["id"] == subject


@pytest.mark.parametrize("text", [
    "khi nào tắt sóng 2G?",                                  # a date, not a request
    "Tuyên Quang đặt mục tiêu phủ sóng di động cho thôn bản bao nhiêu?",   # a plan target
    "cả nước còn bao nhiêu thôn chưa có sóng?",               # a number asked, not who
    "trạm BTS có gây ung thư không?",                         # a health question, no request
    "Tuyên Quang có 115 trạm BTS dùng chung à?",              # a number in a plan question
])
def test_questions_that_are_not_requests(text):
    assert handlers.read_request(text) is None


def test_a_who_question_takes_the_subject_of_the_previous_message():
    request = handlers.read_request("vậy phải gửi cho ai?", "thôn tôi chưa có sóng điện thoại")
    assert request is not None and request.carried and request.subject["id"] == "coverage"
    assert handlers.read_request("vậy phải gửi cho ai?", "khi nào tắt sóng 2G?") is None


def test_an_official_question_about_a_named_body_is_not_a_request():
    assert handlers.names_other_body(["dept_science_technology"]) is True
    assert handlers.names_other_body(["telecom_enterprises"]) is False


@pytest.mark.parametrize("text, intent, bodies", [
    ("dây cáp điện thoại giăng chằng chịt trước chợ, đề nghị cơ quan chủ quản bó gọn lại", "ask_duty",
     ["Sở Khoa học và Công nghệ", "Ủy ban nhân dân xã"]),
    ("Đề nghị lắp trạm phát sóng cho thôn Khuổi Hao, bà con chưa có sóng điện thoại", "ask_target",
     ["nhà mạng", "Sở Khoa học và Công nghệ"]),
    ("nhà mạng dựng cột phát sóng trên nóc nhà hàng xóm không hỏi ý kiến ai, bọn tôi kiến nghị ở đâu?", "ask_duty",
     ["Ủy ban nhân dân xã", "Sở Khoa học và Công nghệ"]),
])
def test_requests_get_who_handles_them_never_a_province_question(text, intent, bodies):
    reply = ask(text, intent)
    assert PROVINCE_QUESTION not in reply.text
    for body in bodies:
        assert body in reply.text
    assert reply.sources and all(s.get("url", "").startswith("http") for s in reply.sources)
    assert reply.buttons                        # related answer units as quick replies


def test_a_known_province_adds_its_plan_target_on_the_subject():
    reply = ask("thôn tôi ở huyện Lâm Bình, Tuyên Quang chưa có sóng di động, đề nghị lắp trạm", "ask_target")
    assert "Sở Khoa học và Công nghệ" in reply.text
    assert "Mục tiêu của" in reply.text and "Tuyên Quang" in reply.text
    assert any(s.get("province") for s in reply.sources)


def test_a_follow_up_who_question_keeps_the_complaint():
    first = ask("sét đánh vào cột BTS sát nhà làm hư tivi nhà tôi", "out_of_scope")
    assert "Ủy ban nhân dân" in first.text
    second = ask("thế nhà mạng có phải bồi thường không?", "ask_duty", context=first.context)
    assert PROVINCE_QUESTION not in second.text
    assert "nhà mạng" in second.text and "Ủy ban nhân dân" in second.text


def test_how_the_commune_certifies_poor_households_does_not_start_the_form():
    turn = Turn("xã chứng thực hộ nghèo thế nào vậy", "inform_household", [])
    assert starts_form(turn, read_turn(turn)) is False
    reply = route(turn)
    assert "Ủy ban nhân dân cấp xã" in reply.text


def test_a_province_without_a_plan_says_where_its_figures_are_asked():
    reply = ask("Lai Châu bây giờ còn mấy bản chưa có sóng di động vậy?", "ask_status")
    assert reply.kind == "no_plan" and "Sở Khoa học và Công nghệ" in reply.text
    other = ask("Lai Châu đặt mục tiêu hộ gia đình dùng cáp quang bao nhiêu?", "ask_target")
    assert "Sở Khoa học và Công nghệ của tỉnh" in other.text and not other.sources     # cáp quang: same subject
    assert "Sở Khoa học và Công nghệ" not in ask("Lai Châu có kế hoạch chuyển đổi số không?", "ask_plan_info").text
