"""Follow-ups that keep what they continue (issue 19, item 7): the message's own words
choose the document fact; a body of today the plans do not name ("UBND cấp xã") gets the
duties the plans gave to the body abolished in 2025, with that change said; its deadlines
keep the body."""
import pytest

from actions.router import Turn, route
from core.vocabulary import agencies_taking_over


def _after(first: str, intent: str, second: str, second_intent: str):
    reply = route(Turn(first, intent, []))
    return reply, route(Turn(second, second_intent, [], context=reply.context))


def test_a_document_follow_up_asks_its_own_field():
    first, second = _after("Kế hoạch hạ tầng số của Bình Phước do ai ký?", "ask_document",
                           "thế kinh phí thực hiện lấy từ nguồn nào?", "ask_document")
    assert "Người ký" in first.text
    assert "Người ký" not in second.text and "kinh phí" in second.text.lower()


def test_a_body_of_today_takes_the_abolished_body_s_duties():
    assert agencies_taking_over("Ủy ban nhân dân cấp xã làm gì") == ["district_committees"]
    assert agencies_taking_over("UBND cấp xã có nhiệm vụ gì") == ["district_committees"]
    assert agencies_taking_over("Sở Tài chính có nhiệm vụ gì") == []
    first, second = _after("Sở Tài chính Bình Phước có nhiệm vụ gì?", "ask_duty",
                           "còn UBND cấp xã phải làm gì?", "ask_duty")
    assert "Sở Tài chính" not in second.text
    assert "cấp huyện không còn" in second.text and "UBND các huyện" in second.text
    third = route(Turn("thời hạn của các nhiệm vụ đó", "ask_duty", [], context=second.context))
    assert "Sở Tài chính" not in third.text
    assert second.context["agencies"] == ["district_committees"]


def test_the_form_of_an_ended_programme_says_so_first():
    from actions.answers.eligibility import form_opening
    opening = form_opening()
    assert opening is not None and "đã kết thúc" in opening.text and opening.sources


@pytest.mark.e2e
def test_the_form_says_the_programme_ended_before_its_first_question(stack):
    from test_e2e_chat import Conversation
    text = Conversation(stack.rasa_url, stack.token).say("tôi có được nhận điện thoại miễn phí không?")["text"]
    assert "thuộc diện nào" in text                     # the form's first question
    assert "đã kết thúc" in text and text.index("đã kết thúc") < text.index("thuộc diện nào")


@pytest.mark.e2e
def test_how_the_commune_certifies_poor_households_is_not_the_form(stack):
    from test_e2e_chat import Conversation
    text = Conversation(stack.rasa_url, stack.token).say("xa chung thuc ho ngheo the nao vay")["text"]
    assert "Ủy ban nhân dân cấp xã" in text and "thuộc diện nào" not in text
