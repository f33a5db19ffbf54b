"""The part of a message that asks (issue 19, part 2): a story first, then the question.

`asking_part("Nhà tôi ... vì chỉ cần nghe gọi. Tắt sóng 2G thì hộ nghèo có được hỗ trợ
điện thoại không?")` → "hộ nghèo có được hỗ trợ điện thoại không": the last sentence that
asks (a "?" or a question word: query_words.yml cue `asks`), without the condition before
its last "thì" (cue `condition_end`) when what follows still asks. The words are data; a
message with no asking sentence is returned whole.
"""
import re

from core.cues import cue_phrases, has_cue
from core.vocabulary import phrase_text

_SENTENCE_END = re.compile(r"(?<=[.!?\n])\s*")
# What is left after the condition must still be a question of at least this many words.
MIN_ASKING_WORDS = 3


def _asks(sentence: str) -> bool:
    return "?" in sentence or has_cue(sentence, "asks")


def asking_part(text: str) -> str:
    """The sentence that asks, without its leading condition; `text` when none asks."""
    sentences = [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]
    asking = next((s for s in reversed(sentences) if _asks(s)), None)
    if asking is None:
        return text
    words = asking.split()
    ends = set(cue_phrases("condition_end"))
    cuts = [i for i, word in enumerate(words) if phrase_text(word).strip() in ends]
    if cuts:
        rest = " ".join(words[cuts[-1] + 1:])
        if len(rest.split()) >= MIN_ASKING_WORDS and _asks(rest):
            return rest
    return asking


def tells_before_asking(text: str) -> bool:
    """Whether the message tells something in sentences of its own before the one that
    asks ("Viettel nhắn tin bảo máy em không hỗ trợ VoLTE. Máy em vẫn có 4G mà, không đổi
    thì sao?"): the story then states the asker's case, which the asking sentence alone
    loses."""
    sentences = [s for s in _SENTENCE_END.split(text) if s.strip()]
    return len(sentences) > 1
