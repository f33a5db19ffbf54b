"""Put diacritics back on a query typed without them, using the corpus' own words.

Citizens type "toc do bang rong co dinh"; BM25 copes (it folds both sides), but the
e5 model reads unaccented Vietnamese poorly. Every folded phrase of up to three
syllables seen in the plans maps to its most frequent written form, and the query
is restored greedily, longest phrase first. Words the corpus never saw stay as typed.
"""
import re
from collections import Counter, defaultdict

from core.text import fold

MAX_PHRASE = 3
_TOKEN = re.compile(r"\w+|\W+", re.UNICODE)


def _syllables(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def is_unaccented(text: str) -> bool:
    """True when a Vietnamese-looking query carries no diacritics at all."""
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and all(c.isascii() for c in letters)


class DiacriticRestorer:
    def __init__(self, texts: list[str], preferred: list[str] = ()):
        """`texts`: the corpus; `preferred`: written forms that win over the corpus'
        (question words such as "có", "gì", and place names)."""
        counts: dict[str, Counter] = defaultdict(Counter)
        for text in texts:
            syllables = _syllables(text)
            for size in range(1, MAX_PHRASE + 1):
                for start in range(len(syllables) - size + 1):
                    phrase = " ".join(syllables[start:start + size])
                    counts[fold(phrase)][phrase] += 1
        self.forms = {folded: forms.most_common(1)[0][0] for folded, forms in counts.items()}
        self.forms.update({fold(phrase): phrase.lower() for phrase in preferred})
        self.longest = max([MAX_PHRASE] + [len(_syllables(phrase)) for phrase in preferred])

    def restore(self, query: str) -> str:
        words = _syllables(query)
        out, i = [], 0
        while i < len(words):
            for size in range(min(self.longest, len(words) - i), 0, -1):
                phrase = " ".join(words[i:i + size])
                if phrase in self.forms and phrase.isascii():
                    out.append(self.forms[phrase])
                    i += size
                    break
            else:
                out.append(words[i])
                i += 1
        return " ".join(out)
