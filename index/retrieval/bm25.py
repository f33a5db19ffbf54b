"""BM25 keyword retrieval over Vietnamese syllables (scoring by the bm25s library).

Vietnamese words are one to three space-separated syllables. Terms are the folded
syllables (no diacritics, so "toc do bang rong" meets "tốc độ băng rộng"), folded
syllable pairs (so "băng rộng" outweighs a stray "rộng"), and the original syllables
with diacritics (so a question typed with diacritics prefers the exact word: "ca"
and "cá" fold alike). bm25s (MIT) scores them with the Lucene variant of BM25.
"""
import math
from collections import Counter

import bm25s
import numpy as np

from core.text import folded_words, words

K1 = 1.2
B = 0.75


def terms(text: str) -> list[str]:
    folded = folded_words(text)
    pairs = [f"{a}_{b}" for a, b in zip(folded, folded[1:])]
    exact = [f"={word}" for word in words(text) if not word.isascii()]
    return folded + pairs + exact


class BM25:
    """Keyword scores of a fixed list of documents (chunks), in their order."""

    def __init__(self, documents: list[str]):
        corpus = [terms(document) for document in documents]
        self.term_sets = [set(document) for document in corpus]
        frequency = Counter(term for document in self.term_sets for term in document)
        total = len(documents)
        self.idf = {term: math.log(1 + (total - n + 0.5) / (n + 0.5)) for term, n in frequency.items()}
        self._vocabulary = {term: i for i, term in enumerate(frequency)}
        self._retriever = bm25s.BM25(method="lucene", k1=K1, b=B)
        ids = [[self._vocabulary[t] for t in document] for document in corpus]
        self._retriever.index(bm25s.tokenization.Tokenized(ids=ids, vocab=self._vocabulary), show_progress=False)
        self._size = total

    def coverage(self, query: str, document: int) -> float:
        """Share of the query's informative weight (IDF of its folded syllables) that the
        document contains. Words the corpus never uses weigh as much as its rarest word,
        so "giá vàng hôm nay" covers little of any plan while "Tiền Giang IPv6" covers
        the chunk about IPv6 fully. A length-independent measure, unlike the BM25 score."""
        query_words = set(folded_words(query))
        if not query_words:
            return 0.0
        rarest = max(self.idf.values(), default=1.0)
        total = sum(self.idf.get(word, rarest) for word in query_words)
        found = sum(self.idf[word] for word in query_words if word in self.term_sets[document])
        return found / total

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every document for `query`: float array (n_documents,), 0 where
        no term matches. Lucene's variant: the same ranking as the textbook formula."""
        query_ids = [self._vocabulary[t] for t in set(terms(query)) if t in self._vocabulary]
        if not query_ids:
            return np.zeros(self._size)
        return self._retriever.get_scores(query_ids)
