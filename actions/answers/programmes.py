"""The public telecom programmes: VTCI and smartphone support, the 2G shutdown,
emergency numbers, the DII criteria and the strategy (data/knowledge/programmes.yml).

Answers know today's date: a rule whose programme has ended is given with that said.
"""
from datetime import date

from actions import knowledge_base as kb
from actions.reply import Reply, fact_source, unique_sources
from actions.understanding import Question, has_cue
from core.vocabulary import phrase_text

MAX_SOURCES = 3
OVERVIEW_TOPIC = "vtci-programme"


def _as_date(value) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str) and len(value) >= 4:
        parts = [int(p) for p in value.split("-")]
        return date(parts[0], parts[1] if len(parts) > 1 else 12, parts[2] if len(parts) > 2 else 28)
    return None


TITLE_WEIGHT = 0.5      # a title word counts half a keyword word: titles are broader


def topic_scores(text: str) -> dict[str, float]:
    """Each topic scores the words of its keyword phrases found in the question, plus
    half a point per word its title shares with the question (titles read like the
    questions: "Đang dùng điện thoại chỉ có 2G thì làm gì")."""
    folded = phrase_text(text)
    words = set(folded.split())
    scores = {}
    for topic in kb.programmes()["topics"]:
        hits = [phrase_text(str(k)).strip() for k in topic["keywords"]]
        score = sum(len(k.split()) for k in hits if k and f" {k} " in folded)
        score += TITLE_WEIGHT * len(words & set(phrase_text(topic["title"]).split()))
        if score:
            scores[topic["id"]] = score
    return scores


CLEAR_TOPIC_SCORE = 4    # e.g. "hộ nghèo" + "đăng ký" + "điện thoại": several keywords of one topic


def names_a_topic_clearly(text: str) -> bool:
    """A question the NLU was unsure of still gets the programme answer when it hits
    several keywords of one topic ("Nhà tôi là hộ nghèo, đăng ký nhận điện thoại ở đâu?")."""
    return max(topic_scores(text).values(), default=0) >= CLEAR_TOPIC_SCORE


def best_topic(text: str) -> dict | None:
    scores = topic_scores(text)
    if not scores:
        return None
    best = max(scores, key=scores.get)
    return next(t for t in kb.programmes()["topics"] if t["id"] == best)


def _programme(topic: dict) -> dict:
    return next((p for p in kb.programmes()["programmes"] if p["id"] == topic.get("programme")), {})


def _ended_note(topic: dict) -> str:
    """Said when the rule's period is over and the answer text does not say so already."""
    until = _as_date(topic.get("valid_until") or _programme(topic).get("valid_until"))
    if until is None or until >= kb.today():
        return ""
    if any(word in topic["answer"] for word in ("đã kết thúc", "hết hiệu lực", "đã hết")):
        return ""
    return f"Lưu ý: quy định này áp dụng đến ngày {until.day}/{until.month}/{until.year} và đã hết thời hạn."


def _unknowns_asked(topic: dict, text: str) -> list[str]:
    """"Chưa xác minh được: ..." entries the question touches (two shared content words)."""
    words = {w for w in phrase_text(text).split() if len(w) > 2}
    return [u for u in topic.get("unknown", [])
            if len(words & {w for w in phrase_text(u).split() if len(w) > 2}) >= 2]


def _legal_bases(topic: dict) -> str:
    """"Thông tư nào ...?": the legal texts of the topic's programme, from the data."""
    bases = _programme(topic).get("legal_bases") or []
    items = []
    for base in bases:
        when = _as_date(base.get("date"))
        dated = f" ngày {when.day}/{when.month}/{when.year}" if when else ""
        items.append(f"{base['number']}{dated}: {base['what']}")
    return ("Văn bản: " + "; ".join(items) + ".") if items else ""


def answer_topic(topic: dict, text: str) -> Reply:
    lines = [topic["answer"].strip()]
    if has_cue(text, "legal") and (bases := _legal_bases(topic)):
        lines.insert(0, bases)
    if note := _ended_note(topic):
        lines.append(note)
    lines += _unknowns_asked(topic, text)
    sources = unique_sources([fact_source(f["source"], topic["title"]) for f in topic.get("facts", [])
                              if f.get("kind", "fact") != "conflict"])
    return Reply("programme", "\n".join(lines), sources[:MAX_SOURCES],
                 context={"intent": "ask_programme", "topic": topic["id"]})


def answer_programme(question: Question) -> Reply:
    topic = best_topic(question.text)
    if topic is None:
        topic = next(t for t in kb.programmes()["topics"] if t["id"] == OVERVIEW_TOPIC)
    return answer_topic(topic, question.text)
