"""What kind of value a question asks (actions/understanding.py Question.kind_asked):
a message asking a target in one clause and today's value in another gets both."""
import pytest

from actions.router import Turn, route
from actions.understanding import read_question


@pytest.mark.parametrize("text, kind", [
    ("Bình Phước đặt chỉ tiêu hộ gia đình có cáp quang bao nhiêu; hiện tại được bao nhiêu rồi?", "both"),
    ("Mục tiêu cáp quang của Bình Phước, hiện trạng ra sao?", "both"),
    ("Mục tiêu hiện nay của Bình Phước về cáp quang?", "target"),      # one clause: a target
    ("Hiện nay, Bình Phước có bao nhiêu % hộ dùng cáp quang?", "status"),
    ("Bình Phước đặt mục tiêu cáp quang bao nhiêu?", "target"),
])
def test_the_kind_asked_reads_each_clause(text, kind):
    assert read_question(text, "ask_target", []).kind_asked() == kind


def test_a_target_and_today_s_value_asked_together_get_both():
    reply = route(Turn("Tuyên Quang đặt chỉ tiêu thôn bản có sóng di động băng rộng bao nhiêu, hiện tại đạt bao nhiêu?",
                       "ask_target", []))
    assert "Hiện trạng" in reply.text and "Mục tiêu" in reply.text
