"""Free-form questions about the plans: the best passage, quoted with its source; or,
when even the best passage is a poor match, an honest "nothing reliable found"; or, when
the search index cannot be loaded, a plain "search is unavailable for now"."""
import logging

from actions import knowledge_base as kb
from actions.answers.places import plan_label, plan_reference
from actions.phrases import say
from actions.reply import Reply, cite, plan_source, record_source
from actions.understanding import Question
from core.vocabulary import phrase_text
from index.retrieval import Hit, IndexNotReady

log = logging.getLogger(__name__)

EXCERPT_CHARS = 420


def excerpt(hit: Hit, query: str) -> str:
    """The lines of the chunk that share most words with the question."""
    words = set(phrase_text(query).split())
    lines = [line for line in hit.text.splitlines() if line.strip()]
    ranked = sorted(range(len(lines)), key=lambda i: -len(words & set(phrase_text(lines[i]).split())))
    chosen = sorted(ranked[:2])
    text = " … ".join(lines[i].lstrip("- ") for i in chosen)
    return text if len(text) <= EXCERPT_CHARS else text[:EXCERPT_CHARS].rsplit(" ", 1)[0] + " …"


def _hit_source(hit: Hit) -> dict:
    return record_source(hit)


def fallback(question: Question) -> Reply:
    return Reply("fallback", say("utter_search_fallback"), context={"intent": "fallback"})


def unavailable() -> Reply:
    return Reply("fallback", say("utter_search_unavailable"), context={"intent": "fallback"})


def answer_search(question: Question, plan_ids: tuple[str, ...] | None, k: int = 3) -> Reply:
    try:
        searcher = kb.searcher()       # not cached after a failure: a repaired index is picked up
    except IndexNotReady as error:
        log.error("retrieval unavailable, answering without it: %s", error)
        return unavailable()
    # Searched within the conversation's plans: a follow-up's province may come from an
    # earlier turn. (`places=` would spare the search reading the places again, but the
    # router's follow-ups rewrite `question.text` while keeping the places of the turn,
    # whose spans then index another text.)
    hits = searcher.search(question.text, k=k, plan_ids=plan_ids)
    hits = [hit for hit in hits if searcher.reliable(hit)]
    if not hits:
        return fallback(question)
    best = hits[0]
    lines = [say("utter_search_passage", plan=plan_reference(best.plan), section=cite(best),
                 excerpt=excerpt(best, question.text))]
    others = [hit for hit in hits[1:] if hit.plan != best.plan][:1]
    for hit in others:
        lines.append(say("utter_search_related", province_label=plan_label(hit.plan),
                         section=cite(hit), excerpt=excerpt(hit, question.text)))
    return Reply("search", "\n".join(lines), [_hit_source(h) for h in [best, *others]],
                 context={"intent": "ask_plan_info", "plan_ids": list(plan_ids or ())})
