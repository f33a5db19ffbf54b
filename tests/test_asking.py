"""The part of a message that asks (core/asking.py) and the unit chosen for it
(index/retrieval/units.py UnitIndex.choose)."""
import pytest

from core.asking import asking_part, tells_before_asking
from index.retrieval import load_unit_index


@pytest.mark.parametrize("text, part", [
    ("khi cắt sóng 2G thì nhà cận nghèo có được cho điện thoại không", "nhà cận nghèo có được cho điện thoại không"),
    ("Ông tôi xài máy cũ lâu rồi. Nghe nói sắp cắt sóng thì ông nên mua máy gì?", "ông nên mua máy gì?"),
    ("khi nào tắt sóng 2G", "khi nào tắt sóng 2G"),                          # nothing before it
    ("tắt 2G thì sao?", "tắt 2G thì sao?"),                                # too short after "thì"
    ("Nhà tôi ở xã Ea Kar.", "Nhà tôi ở xã Ea Kar."),                       # nothing asks
])
def test_the_asking_part(text, part):
    assert asking_part(text) == part


def test_a_story_in_sentences_of_its_own_is_told_before_asking():
    assert tells_before_asking("Máy em chỉ có 4G không VoLTE. Giờ tắt 2G thì sao?")
    assert not tells_before_asking("tắt sóng 2G thì hộ nghèo có được hỗ trợ điện thoại không")


def test_a_condition_before_the_question_does_not_choose_the_unit():
    index = load_unit_index()
    choice = index.choose("tắt sóng 2G thì hộ nghèo có được hỗ trợ điện thoại không")
    assert choice.accepted and choice.unit["id"].startswith("smartphone")
