"""Two internal routes of the action server for the admin area of the web app, which
does not load the embedding model (~900 MB) itself:

    POST /hts/embed            {"texts": [str, ≤ MAX_TEXTS]}
                               -> {"model": id, "vectors": [[float]]}  (L2-normalised, "query: " side)
    POST /hts/answers/preview  {"answer": Answer (index/answers_publish.py, checked by the
                               web app), "questions": [str, ≤ MAX_TEXTS]}
                               -> {"catches": [{"question", "before": unit id | null}],
                                   "shadows": [{"id", "label", "questions": [str]}]}

`catches`: the questions the draft answer would now be given for (accepted by the unit
chooser with the draft added), with the unit they get today (null: no unit). `shadows`:
published units (curated or operator) that would lose questions to it — the questions
given, plus the units' own example questions that the draft would now take.
Bad bodies get 400 {"error": code}. The action server listens on 127.0.0.1 only.
"""
import logging
from contextlib import contextmanager

from sanic import response

log = logging.getLogger(__name__)

MAX_TEXTS = 500
MAX_CHARS = 1000


def _texts(value) -> list[str] | None:
    if not isinstance(value, list) or len(value) > MAX_TEXTS:
        return None
    if not all(isinstance(text, str) and 0 < len(text) <= MAX_CHARS for text in value):
        return None
    return value


# A question or example is tried with the full chooser only when its cosine with one of
# the draft's own texts reaches min_dense less this margin: the chooser accepts the draft
# only from min_dense on, and a question is embedded here exactly as the chooser embeds
# it; the margin covers the examples, whose stored vectors were made without expanding
# abbreviations. e5's cosines are compressed (unrelated questions reach 0.80), so a wider
# margin sends nearly every example through the chooser (one embedding each).
NEAR_MARGIN = 0.01


def _query_form(index, text: str) -> str:
    """The text as the chooser embeds it (abbreviations expanded, diacritics restored)."""
    return index.retriever.dense_query(text)


def preview(draft: dict, questions: list[str]) -> dict:
    """What publishing `draft` would change (see the module docstring)."""
    import numpy as np
    from core.vocabulary import expand_abbreviations
    from index.answers_publish import as_unit
    from index.retrieval.units import build_unit_index, load_unit_index

    unit = as_unit({**draft, "id": draft.get("id") or "op-draft"})
    now = load_unit_index()
    # Editing a published answer: its new text in its place; else the draft added.
    after = build_unit_index(replace=unit) if unit["id"] in now.by_id else build_unit_index([unit])
    position = next(i for i, u in enumerate(after.units) if u["id"] == unit["id"])
    draft_vectors = after.vectors[after.owner == position]
    # The published units' examples are documents of the index already: their stored
    # vectors serve for the first pass; only the recorded questions are embedded.
    examples = [(after.units[after.owner[i]]["id"], after.documents[i], after.vectors[i])
                for i in range(len(after.documents))
                if after.units[after.owner[i]]["id"] != unit["id"]
                and after.documents[i] in after.units[after.owner[i]]["examples"]]
    asked = after.embedder.encode_query([_query_form(after, q) for q in questions]) if questions else \
        np.zeros((0, draft_vectors.shape[1]), np.float32)
    vectors = np.concatenate([asked, np.array([v for _, _, v in examples]).reshape(-1, draft_vectors.shape[1])])
    near = (vectors @ draft_vectors.T).max(axis=1) >= after.min_dense - NEAR_MARGIN if len(vectors) else \
        np.zeros(0, bool)
    # The keyword side too: the draft is accepted only when one of its texts covers
    # min_coverage of the question's keyword weight (no embedding needed to know).
    draft_documents = np.flatnonzero(after.owner == position)
    texts = list(questions) + [example for _, example, _ in examples]
    near &= np.array([max(after.retriever.keyword.coverage(expand_abbreviations(text), int(i))
                          for i in draft_documents) >= after.min_coverage for text in texts], bool)
    # The candidates' queries embedded in one batch (far cheaper per text than one at a
    # time); both indexes' choosers then read them from memory.
    candidates = [text for text, close in zip(texts, near) if close]
    known = _Known(after.embedder, [_query_form(after, text) for text in candidates])
    with known.serving(now, after):
        catches, lost = _compare(unit, questions, examples, near, now, after)
    shadows = [{"id": uid, "label": now.by_id[uid]["label"], "questions": list(dict.fromkeys(qs))}
               for uid, qs in lost.items()]
    return {"catches": catches, "shadows": shadows}


class _Known:
    """An embedder that answers the texts it was given from one batch, and asks the real
    one (`embedder`) for anything else."""

    def __init__(self, embedder, texts: list[str]):
        self.embedder = embedder
        self.model_id, self.dim = embedder.model_id, embedder.dim
        unique = list(dict.fromkeys(texts))
        self.vectors = dict(zip(unique, embedder.encode_query(unique))) if unique else {}

    def encode_query(self, texts: list[str]):
        import numpy as np
        if all(text in self.vectors for text in texts):
            return np.array([self.vectors[text] for text in texts])
        return self.embedder.encode_query(texts)

    @contextmanager
    def serving(self, *indexes):
        retrievers = [index.retriever for index in indexes]
        for retriever in retrievers:
            retriever.embedder = self
        try:
            yield
        finally:
            for retriever in retrievers:
                retriever.embedder = self.embedder


def _compare(unit, questions, examples, near, now, after):
    catches, lost = [], {}
    for question, close in zip(questions, near[:len(questions)]):
        if not close:
            continue
        new = after.choose(question)
        if not (new.accepted and new.unit["id"] == unit["id"]):
            continue
        old = now.choose(question)
        before = old.unit["id"] if old.accepted else None
        catches.append({"question": question, "before": before})
        if before and before != unit["id"]:
            lost.setdefault(before, []).append(question)
    for (owner, example, _), close in zip(examples, near[len(questions):]):
        if close:
            new = after.choose(example)
            if new.accepted and new.unit["id"] == unit["id"]:
                lost.setdefault(owner, []).append(example)
    return catches, lost


def install(app) -> None:
    """Add the routes to the rasa-sdk Sanic app (actions/server.py)."""

    @app.post("/hts/embed")
    async def embed(request):
        from index.retrieval.embedding import load_embedder
        texts = _texts((request.json or {}).get("texts") if isinstance(request.json, dict) else None)
        if texts is None:
            return response.json({"error": "bad_texts"}, status=400)
        embedder = load_embedder()
        vectors = embedder.encode_query(texts) if texts else []
        return response.json({"model": embedder.model_id, "vectors": [[round(float(x), 5) for x in row]
                                                                       for row in vectors]})

    @app.post("/hts/answers/preview")
    async def answer_preview(request):
        body = request.json if isinstance(request.json, dict) else {}
        draft, questions = body.get("answer"), _texts(body.get("questions", []))
        if not isinstance(draft, dict) or questions is None:
            return response.json({"error": "bad_body"}, status=400)
        try:
            return response.json(preview(draft, questions))
        except (KeyError, TypeError, IndexError) as error:
            log.warning("answer preview refused: %r", error)
            return response.json({"error": "bad_answer"}, status=400)
