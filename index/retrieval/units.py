"""Which answer unit (data/knowledge/answer_units.yml) a citizen's question asks for.

The hybrid retriever (index/retrieval/hybrid.py: restore diacritics → BM25 + dense →
fusion → calibrated acceptance), configured for the units: each unit is indexed as
several short documents — its answer, its button label and each example question — and
a unit scores the best of its documents. The diacritics of a question typed without
them are restored from the units' own accented words.

The choice is accepted when the best unit's dense cosine (best document) reaches
`meta.threshold.min_dense` AND its keyword coverage (share of the question's IDF weight
found in its best-covering document) reaches `meta.threshold.min_coverage` (both calibrated by
scripts/calibrate_units.py) AND the question names one of `meta.subject_words` AND, for a
unit with its own `subject` (what it counts), one of those. Below that, the caller says "no data".

The vectors of the unit documents are computed once and cached in var/index/ under a
hash of the model id and the texts (about 200 short texts; ~10 s on 2 cores when cold).

The answers portal operators publish on the admin page (index/answers_publish.py) are
merged in as units with "operator": True, after the curated ones. They are not bound to
`meta.subject_words` (an operator answers what the curated file is not about), only to
the thresholds. A publication is seen on the next lookup: `load_unit_index` keeps the
index in an index.published.Reloading keyed on the published answers' version (one
stat) and the day (an answer past its valid_until drops out); the curated units' vectors
come from the cache, only the operator answers' few texts are embedded (about 1 s).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date

import numpy as np

from core import knowledge
from core.asking import asking_part, tells_before_asking
from index import answers_publish
from core.vocabulary import expand_abbreviations, phrase_text
from index.plans.source import Source
from index.retrieval.diacritics import is_unaccented
from index.published import Reloading
from index.retrieval.hybrid import Acceptance, HybridRetriever
from index.retrieval.store import build_dir

UNITS_FILE = "answer_units.yml"


@dataclass(frozen=True)
class Choice:
    """The chooser's verdict for one question.

    unit: the best unit (a dict of answer_units.yml); ranked: all unit ids, best first;
    dense: cosine of the question and the best unit's closest document (-1..1);
    coverage: share (0..1) of the question's keyword weight in the best unit's documents;
    accepted: both reach the calibrated threshold."""
    unit: dict
    ranked: tuple[str, ...]
    dense: float
    coverage: float
    accepted: bool


def units_data() -> dict:
    return knowledge.load(UNITS_FILE)


def unit_source(unit: dict, sources: dict) -> Source:
    """Where a unit's answer comes from: its named source (`sources`: name → {title, url},
    answer_units.yml and programmes.yml `sources`), the unit's label as the section, and
    its `valid_until`. An operator's answer carries its source itself: the document with
    its number and date, its URL. Raises KeyError for a source name no file defines."""
    if unit.get("operator"):
        own = unit["source"]
        details = ", ".join(part for part in (own.get("number"), own.get("date")) if part)
        return Source(document=f"{own['document']} ({details})" if details else own["document"],
                      url=own.get("url", ""), valid_until=str(unit.get("valid_until") or ""))
    named = sources[unit["source"]]
    return Source(document=named.get("title", ""), section=unit["label"], url=named.get("url", ""),
                  valid_until=str(unit.get("valid_until") or ""))


def unit_documents(unit: dict) -> list[str]:
    """The texts a unit is found by: its answer, its label and its example questions."""
    return [unit["answer"], unit["label"], *unit["examples"]]


class UnitIndex:
    """The units and their BM25 and dense indexes. `embedder` has encode_query(list[str])
    returning L2-normalised float32 rows (index.retrieval.embedding.Embedder)."""

    def __init__(self, units: list[dict], threshold: dict, embedder, subject_words: list[str] = ()):
        self.units = units
        self.subject_words = tuple(phrase_text(str(word)) for word in subject_words)
        self.by_id = {unit["id"]: unit for unit in units}
        # A unit's own subject (`subject` in answer_units.yml): what it counts or is about,
        # when the file-wide subject words are not enough ("cả nước có bao nhiêu trạm 5G"
        # is worded like the 2G-subscriber count but counts something else).
        self.unit_subjects = {unit["id"]: tuple(phrase_text(str(w)) for w in unit.get("subject", ()))
                              for unit in units}
        documents, owner = [], []
        for number, unit in enumerate(units):
            for text in unit_documents(unit):
                documents.append(text)
                owner.append(number)
        self.documents = documents
        self.owner = np.array(owner)
        # Curated units and operator answers are cached apart: a publication re-embeds
        # only its own few texts.
        operator = [bool(units[number].get("operator")) for number in owner]
        curated = [d for d, mine in zip(documents, operator) if not mine]
        written = [d for d, mine in zip(documents, operator) if mine]
        if any(operator[:len(curated)]) or not all(operator[len(curated):]):
            raise ValueError("operator answers must come after the curated units")
        parts = [_cached_vectors(embedder, group) for group in (curated, written) if group]
        self.vectors = np.concatenate(parts) if len(parts) > 1 else parts[0]
        self.embedder = embedder
        self.retriever = HybridRetriever(
            documents, self.vectors, embedder, Acceptance.of(threshold, expand_first=True),
            restore_from=[d for d in documents if not is_unaccented(d)])

    @property
    def min_dense(self) -> float:
        return self.retriever.acceptance.min_dense

    @property
    def min_coverage(self) -> float:
        return self.retriever.acceptance.min_coverage

    def scores(self, text: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per unit (n_units,): fused RRF score, best dense cosine, best keyword coverage."""
        ranking = self.retriever.rank(text)
        coverage = np.array([self.retriever.coverage(ranking, i) for i in range(len(self.documents))])
        n = len(self.units)
        unit_fused, unit_dense, unit_coverage = np.full(n, -np.inf), np.full(n, -1.0), np.zeros(n)
        np.maximum.at(unit_fused, self.owner, ranking.fused)
        np.maximum.at(unit_dense, self.owner, ranking.dense)
        np.maximum.at(unit_coverage, self.owner, coverage)
        return unit_fused, unit_dense, unit_coverage

    def choose(self, text: str) -> Choice:
        """The unit for the part of `text` that asks (core/asking.py: "tắt sóng 2G thì hộ
        nghèo có được hỗ trợ điện thoại không" asks about the phone support, not the 2G
        network) when that part alone is accepted and its keywords fit its unit better than
        the whole message's fit its own; else the unit for the whole message."""
        whole = self.choose_for(text)
        asked = asking_part(text)
        if asked == text:
            return whole
        choice = self.choose_for(asked)
        # The asking part wins only when it fits its unit better than the whole message
        # fits its own: a story's case ("máy em không hỗ trợ VoLTE") is kept otherwise.
        if choice.accepted and (not whole.accepted or choice.coverage > whole.coverage) and \
                not tells_before_asking(text):
            return choice
        return whole

    def choose_for(self, text: str) -> Choice:
        """The best-ranked unit, accepted or not by the threshold. When the question does
        not name that unit's own subject, the best-ranked unit of the same programme with a
        subject of its own that the question names stands in: "khi nào tắt sóng 2G" passes
        over the 3G unit for the 2G cut-off; a question no such unit fits stays unaccepted
        ("cả nước có bao nhiêu trạm 5G" is not about 2G subscribers)."""
        fused, dense, coverage = self.scores(text)
        order = [int(i) for i in np.argsort(-fused, kind="stable")]
        best = order[0]
        if not self.names_unit_subject(self.units[best]["id"], text):
            programme = self.units[best].get("programme")
            siblings = [i for i in order[1:] if self.units[i].get("programme") == programme
                        and self.unit_subjects[self.units[i]["id"]]
                        and self.names_unit_subject(self.units[i]["id"], text)]
            best = siblings[0] if siblings else best
        accepted = (self.retriever.accepts(dense[best], coverage[best])
                    and (self.units[best].get("operator") or self.names_subject(text))
                    and self.names_unit_subject(self.units[best]["id"], text))
        return Choice(unit=self.units[best], ranked=tuple(self.units[i]["id"] for i in order),
                      dense=round(float(dense[best]), 4), coverage=round(float(coverage[best]), 4),
                      accepted=bool(accepted))

    def names_subject(self, text: str) -> bool:
        """Whether the question names something the units are about (meta.subject_words)."""
        folded = phrase_text(text)
        return not self.subject_words or any(word in folded for word in self.subject_words)

    def names_unit_subject(self, unit_id: str, text: str) -> bool:
        """Whether the question names the unit's own subject, when it has one."""
        subjects = self.unit_subjects.get(unit_id) or ()
        folded = phrase_text(expand_abbreviations(text))
        return not subjects or any(word in folded for word in subjects)


def _cached_vectors(embedder, documents: list[str]) -> np.ndarray:
    """Vectors of `documents` (n, dim), from var/index/units-<hash>.npy when the same
    model already encoded the same texts."""
    digest = hashlib.sha256("\n".join([embedder.model_id, *documents]).encode("utf-8")).hexdigest()[:16]
    path = build_dir() / f"units-{digest}.npy"
    if path.exists():
        vectors = np.load(path)
        if vectors.shape == (len(documents), embedder.dim):
            return vectors
    vectors = embedder.encode_query(documents)      # question-to-question: both sides "query: "
    path.parent.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    return vectors


def build_unit_index(extra: list[dict] = (), replace: dict | None = None) -> UnitIndex:
    """A unit index of the curated units, the live operator answers and `extra` units;
    `replace`: an operator answer standing in for the published one of its id (the answer
    editor's preview of a draft)."""
    from index.retrieval.embedding import load_embedder
    data = units_data()
    written = [answers_publish.as_unit(a) for a in answers_publish.live_answers()]
    if replace is not None:
        written = [replace if unit["id"] == replace["id"] else unit for unit in written]
    return UnitIndex([*data["units"], *written, *extra], data["meta"]["threshold"], load_embedder(),
                     data["meta"]["subject_words"])


def answers_signal() -> str:
    """What changes when the operators' answers do: their version, and the day."""
    return f"{answers_publish.answers_version()}|{date.today()}"


_units = Reloading(build_unit_index, "answer units", signal=answers_signal)


def load_unit_index() -> UnitIndex:
    """The process-wide unit index (shares the embedding model with the plan search),
    rebuilt when the operators' published answers change."""
    return _units.get()


load_unit_index.cache_clear = _units.clear        # tests: forget the loaded index
