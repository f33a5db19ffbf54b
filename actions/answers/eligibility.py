"""The eligibility check for smartphone support (a Rasa form collects the answers;
this turns them into what the rules say, with the caveat on the period)."""
from actions import knowledge_base as kb
from actions.answers.programmes import _as_date
from actions.reply import Reply, fact_source, unique_sources
from core.vocabulary import phrase_text

MAX_SOURCES = 4


def household_types() -> list[dict]:
    return kb.eligibility_rules()["household_types"]


def household_from_text(text: str) -> str | None:
    """The household type a free-text answer names ("nhà tôi cận nghèo" → hộ cận nghèo)."""
    folded = phrase_text(text)
    best, best_words = None, 0
    for entry in household_types():
        for phrase in entry["ask"]:
            words = phrase_text(phrase).strip()
            if f" {words} " in folded and len(words.split()) > best_words:
                best, best_words = entry["id"], len(words.split())
    return best


def _rule(name: str) -> dict:
    return kb.eligibility_rules()["rules"][name]


def _sources(rule_names: list[str]) -> list[dict]:
    topics = {t["id"]: t for t in kb.programmes()["topics"]}
    sources = []
    for name in rule_names:
        topic = topics[_rule(name)["topic"]]
        sources += [fact_source(f["source"], topic["title"]) for f in topic.get("facts", [])
                    if f.get("kind", "fact") != "conflict"][:1]
    return unique_sources(sources)[:MAX_SOURCES]


def eligibility_result(household: str | None, received_device: bool | None, bought: bool | None) -> Reply:
    entry = next((h for h in household_types() if h["id"] == household), None)
    used: list[str]
    if entry is None or not entry["eligible"]:
        note = entry["note"] if entry else "Hỗ trợ điện thoại thông minh chỉ dành cho hộ nghèo, hộ cận nghèo."
        lines = [f"Theo quy định, hộ của bạn không thuộc đối tượng được hỗ trợ điện thoại thông minh. {note}"]
        used = ["eligible_households", "priority"]
    elif received_device:
        lines = ["Hộ của bạn thuộc diện " + entry["id"] + ", nhưng đã nhận máy tính bảng hoặc thiết bị học "
                 "trực tuyến nên không đủ điều kiện nhận hỗ trợ điện thoại thông minh.",
                 _rule("no_prior_device")["text"]]
        used = ["eligible_households", "no_prior_device"]
    else:
        form = "cash_if_bought" if bought else "bundle_if_not_bought"
        lines = [f"Hộ của bạn ({entry['id']}) thuộc đối tượng được hỗ trợ điện thoại thông minh nếu có tên "
                 "trong danh sách được phê duyệt.",
                 _rule(form)["text"], _rule("approved_list")["text"], _rule("priority")["text"]]
        used = ["eligible_households", form, "approved_list", "priority"]
    until = _as_date(kb.eligibility_rules()["valid_until"])
    if until and until < kb.today():
        lines.append(_rule("period")["text"])
        used.append("period")
    lines.append(_rule("where_to_ask")["text"])
    return Reply("eligibility", "\n".join(lines), _sources(used),
                 context={"intent": "check_eligibility", "household_type": household})
