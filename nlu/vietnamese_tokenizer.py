"""Vietnamese-aware tokenizer for the Rasa 3.6 NLU pipeline.

Use in config.yml as `name: nlu.vietnamese_tokenizer.VietnameseTokenizer` (Rasa puts
its working directory on sys.path; run Rasa from the project root).

Why not the WhitespaceTokenizer: citizens type "tốc độ", "toc do", "TỐC ĐỘ" or
decomposed Unicode (NFD, from some Windows input methods) for the same words, and use
compounds such as "TT&TT", "KH&ĐT", "100/100", "I-Speed". This tokenizer
- splits on whitespace and punctuation but keeps those compounds (nlu/segment.py);
- sets `token.text` to the folded form (NFC, lowercase, no diacritics, đ → d): the
  lexical-syntactic featurizer and the count-vector featurizers configured with
  `use_lemma: false` read it, so "tốc độ", "toc do", "TỐC ĐỘ" and NFD input give the
  same features;
- sets `token.lemma` to the spelling as typed, normalised (NFC, lowercase, diacritics
  kept): folding merges "đúng"/"dừng" and "số"/"sở"/"so", and one count-vector
  featurizer (default `use_lemma: true`) reads the lemma to tell them apart whenever
  the user typed diacritics (Vietnamese has no lemmatisation to lose here);
- keeps `token.start`/`token.end` as offsets into the message *as typed*; entity
  extractors cut entity values from the original text with them, so "Tiền Giang" comes
  back as "Tiền Giang" (the original substring is also in `token.get("original")`).
"""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.tokenizers.tokenizer import Token, Tokenizer
from rasa.shared.nlu.training_data.message import Message

from nlu import segment as _segment

# Sources whose behaviour the tokens depend on: Rasa caches a component's output keyed
# by the source of the component *class* only, so changes to these must show up in the
# fingerprint (see fingerprint_addon) or `rasa train` would reuse stale tokens.
_SOURCES = (
    Path(_segment.__file__),
    Path(_segment.__file__).resolve().parents[1] / "core" / "text.py",
)


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False
)
class VietnameseTokenizer(Tokenizer):
    """Folded Vietnamese tokens with offsets into the original text."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            # Flag to check whether to split intents (not used: our intents are atomic)
            "intent_tokenization_flag": False,
            # Symbol on which intent should be split
            "intent_split_symbol": "_",
            # Symbol on which prefix should be split
            "prefix_separator_symbol": None,
        }

    def __init__(self, config: Dict[Text, Any]) -> None:
        super().__init__(config)
        # token_pattern would re-split the folded text with offsets computed on it,
        # which are wrong for NFD input; this tokenizer does its own splitting.
        self.token_pattern_regex = None

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "VietnameseTokenizer":
        return cls(config)

    @classmethod
    def fingerprint_addon(cls, config: Dict[Text, Any]) -> Optional[Text]:
        digest = hashlib.sha256()
        for path in _SOURCES:
            if path.exists():
                digest.update(path.read_bytes())
        return digest.hexdigest()

    def tokenize(self, message: Message, attribute: Text) -> List[Token]:
        text = message.get(attribute)
        tokens = [
            Token(p.text, p.start, p.end, data={"original": p.original}, lemma=p.spelling)
            for p in _segment.segment(text)
        ]
        if not tokens:
            # Only punctuation or emoji (":)", "???"): like the WhitespaceTokenizer, use
            # the whole text as one token so that featurizers get a non-empty sequence.
            tokens = [Token(text, 0, len(text), lemma=text.lower())]
        return tokens
