"""BM25 keyword retrieval over Vietnamese syllables.

Vietnamese words are one to three space-separated syllables. Terms are the folded
syllables (no diacritics, so "toc do bang rong" meets "tốc độ băng rộng"), folded
syllable pairs (so "băng rộng" outweighs a stray "rộng"), and the original syllables
with diacritics (so a question typed with diacritics prefers the exact word: "ca"
and "cá" fold alike).
"""
import math
from collections import Counter

from core.text import folded_words, words

K1 = 1.2
B = 0.75


def terms(text: str) -> list[str]:
    folded = folded_words(text)
    pairs = [f"{a}_{b}" for a, b in zip(folded, folded[1:])]
    exact = [f"={word}" for word in words(text) if not word.isascii()]
    return folded + pairs + exact


class BM25:
    def __init__(self, documents: list[str]):
        self.term_counts = [Counter(terms(document)) for document in documents]
        self.lengths = [sum(counts.values()) for counts in self.term_counts]
        self.average_length = sum(self.lengths) / max(len(self.lengths), 1)
        frequency = Counter(term for counts in self.term_counts for term in counts)
        total = len(documents)
        self.idf = {term: math.log(1 + (total - n + 0.5) / (n + 0.5)) for term, n in frequency.items()}

    def coverage(self, query: str, document: int) -> float:
        """Share of the query's informative weight (IDF of its folded syllables) that the
        document contains. Words the corpus never uses weigh as much as its rarest word,
        so "giá vàng hôm nay" covers little of any plan while "Tiền Giang IPv6" covers
        the chunk about IPv6 fully. A length-independent measure, unlike the BM25 score."""
        words = set(folded_words(query))
        if not words:
            return 0.0
        rarest = max(self.idf.values(), default=1.0)
        total = sum(self.idf.get(word, rarest) for word in words)
        found = sum(self.idf[word] for word in words if word in self.term_counts[document])
        return found / total

    def scores(self, query: str) -> list[float]:
        query_terms = [term for term in set(terms(query)) if term in self.idf]
        scores = []
        for counts, length in zip(self.term_counts, self.lengths):
            norm = K1 * (1 - B + B * length / self.average_length)
            scores.append(sum(self.idf[t] * counts[t] * (K1 + 1) / (counts[t] + norm)
                              for t in query_terms if t in counts))
        return scores
