"""The eligibility check for smartphone support: when it runs (a question about the
asker's own household, about the smartphone rules), and what the household would have
been entitled to under the rules (data/knowledge/eligibility.yml), said after the fact
that the programme has ended and where to ask now. The words are in
domain/responses/eligibility.yml; sources are those of the rules' answer units."""
from actions import case as cases
from actions import knowledge_base as kb
from actions.answers import programmes
from actions.phrases import say
from actions.reply import Reply, unique_sources
from core.vocabulary import phrase_text

MAX_SOURCES = 3
MORE_UNITS = ("smartphone-priority", "smartphone-conditions", "after-2025")


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


def about_own_household(text: str) -> bool:
    """"Nhà tôi có được nhận điện thoại không?" (yes) vs "Hộ nghèo có được nhận điện
    thoại không?" (a question about the rule: no)."""
    folded = phrase_text(text)
    return any(phrase_text(word) in folded for word in kb.eligibility_rules()["own_household_words"])


def check_applies(text: str) -> bool:
    """The form runs for a question about the asker's own household on the smartphone
    support; anything else (the 2G phone, the subscription, a rule) gets its answer unit,
    and so does a household whose case the question already states ("nhà em nhận máy
    tính bảng rồi ...": data/knowledge/cases.yml answers it without asking)."""
    return about_own_household(text) and programmes.asks_about_smartphone_support(text) and \
        not cases.decides(programmes.SMARTPHONE_UNITS, text)


def _rule(name: str) -> dict:
    return kb.eligibility_rules()["rules"][name]


def _sources(rule_names: list[str]) -> list[dict]:
    by_id = kb.unit_index().by_id
    return unique_sources([programmes.source_of(by_id[_rule(name)["unit"]]) for name in rule_names])[:MAX_SOURCES]


def form_opening() -> Reply | None:
    """What the eligibility form says before its first question: that the programme has
    ended and where to ask now, when its period is over; None while it runs."""
    lines = _ended_first()
    return Reply("eligibility", "\n".join(lines), _sources(list(kb.eligibility_rules()["rules"])[:1])) \
        if lines else None


def _ended_first() -> list[str]:
    """The programme's end and where to ask now, when its period is over; else []."""
    until = programmes.as_date(kb.eligibility_rules()["valid_until"])
    if until is None or until >= kb.today():
        return []
    return [say("utter_eligibility_ended", until=programmes.day_text(until))]


def eligibility_result(household: str | None, received_device: bool | None, bought: bool | None) -> Reply:
    """What the form's answers mean under the 2022–2025 rules (≤ ~600 characters; the
    priority order, conditions and today's situation are behind buttons)."""
    entry = next((h for h in household_types() if h["id"] == household), None)
    lines = _ended_first()
    if entry is None or not entry["eligible"]:
        note = entry["note"] if entry else say("utter_eligibility_default_note")
        lines.append(say("utter_eligibility_not_eligible", note=note))
        used = ["eligible_households"]
    elif received_device:
        lines.append(say("utter_eligibility_had_device", household=entry["id"]))
        used = ["eligible_households", "no_prior_device"]
    else:
        form = "cash_if_bought" if bought else "bundle_if_not_bought"
        lines.append(say("utter_eligibility_entitled", household=entry["id"], rule=_rule(form)["text"]))
        used = ["eligible_households", form]
    return Reply("eligibility", "\n".join(lines), _sources(used + ["where_to_ask"]),
                 buttons=programmes.unit_buttons(MORE_UNITS),
                 context={"intent": "check_eligibility", "household_type": household})
