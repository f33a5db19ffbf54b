"""Unit tests of the custom NLU components (nlu/: tokenizer, synonym mapper, intent
ensemble). They need Rasa: run them with the Rasa venv, from the project root:

    .venv-rasa/bin/python -m unittest discover -s tests/nlu
    .venv-rasa/bin/python -m pytest tests/nlu          # once pytest is in that venv

Written as unittest.TestCase so that they run without pytest in the Rasa venv; under
the app venv (no Rasa) pytest collects and skips them. tests/test_nlu.py runs them
through the first command as part of the main suite.
"""
import tempfile
import unicodedata
import unittest
from pathlib import Path

try:
    import rasa  # noqa: F401
except ImportError:  # the app venv: these tests belong to the Rasa venv
    raise unittest.SkipTest("Rasa is not installed in this interpreter (use .venv-rasa)")

from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import (
    CountVectorsFeaturizer,
)
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu.ensemble import DietLogisticEnsemble, combine
from nlu.segment import segment
from nlu.synonyms import FoldingEntitySynonymMapper
from nlu.vietnamese_tokenizer import VietnameseTokenizer


def nfd(text):
    return unicodedata.normalize("NFD", text)


def texts(text):
    return [p.text for p in segment(text)]


def make_tokenizer():
    return VietnameseTokenizer.create(VietnameseTokenizer.get_default_config(), None, None, None)


def tokens_of(text):
    return make_tokenizer().tokenize(Message(data={TEXT: text}), TEXT)


class SegmentTest(unittest.TestCase):
    def test_splits_on_whitespace_and_punctuation(self):
        self.assertEqual(
            texts("Mục tiêu tốc độ 4G của Sóc Trăng?"),
            ["muc", "tieu", "toc", "do", "4g", "cua", "soc", "trang"],
        )
        self.assertEqual(texts("(Hậu Giang), Bình Phước!!"), ["hau", "giang", "binh", "phuoc"])
        self.assertEqual(texts("Hậu Giang,Sóc Trăng"), ["hau", "giang", "soc", "trang"])

    def test_keeps_compounds(self):
        self.assertEqual(texts("Sở TT&TT và Sở KH&ĐT"), ["so", "tt&tt", "va", "so", "kh&dt"])
        self.assertEqual(texts("tắt 2G, lên 4G/5G"), ["tat", "2g", "len", "4g", "5g"])
        self.assertEqual(texts("85 thuê bao/100 dân, 100/100"), ["85", "thue", "bao", "100", "dan", "100/100"])
        self.assertEqual(texts("tốc độ I-Speed, Wi-Fi"), ["toc", "do", "i-speed", "wi-fi"])
        self.assertEqual(texts("500.000 đồng, 22,69%"), ["500.000", "dong", "22,69", "%"])

    def test_dates_and_document_numbers_stay_whole_but_ranges_split(self):
        self.assertEqual(texts("ngày 16/10/2024"), ["ngay", "16/10/2024"])
        self.assertEqual(texts("Thông tư 14/2022/TT-BTTTT"), ["thong", "tu", "14/2022", "tt-btttt"])
        self.assertEqual(texts("giai đoạn 2023-2025"), ["giai", "doan", "2023", "2025"])
        self.assertEqual(texts("Bà Rịa-Vũng Tàu"), ["ba", "ria", "vung", "tau"])

    def test_spellings_give_the_same_tokens(self):
        expected = texts("toc do bang rong co dinh")
        for variant in ["tốc độ băng rộng cố định", "TỐC ĐỘ BĂNG RỘNG CỐ ĐỊNH",
                        nfd("tốc độ băng rộng cố định"), "Tốc  Độ\tbăng rộng cố định"]:
            self.assertEqual(texts(variant), expected, variant)
        self.assertEqual(texts("Ðồng Tháp"), texts("Đồng Tháp"))  # Icelandic eth
        self.assertEqual(texts("Khánh Hoà"), texts("Khánh Hòa"))    # old tone placement

    def test_offsets_point_into_the_text_as_given(self):
        for text in ["Sở TT&TT Tiền Giang phải làm gì?", nfd("Sở TT&TT Tiền Giang phải làm gì?")]:
            pieces = segment(text)
            for piece in pieces:
                self.assertEqual(text[piece.start:piece.end], piece.original)
            self.assertEqual([p.text for p in pieces][:4], ["so", "tt&tt", "tien", "giang"])
        decomposed = nfd("Tiền Giang")
        self.assertEqual([(p.start, p.end) for p in segment(decomposed)], [(0, 6), (7, 12)])


class VietnameseTokenizerTest(unittest.TestCase):
    def test_tokens_are_folded_with_original_offsets(self):
        text = "Tốc độ 4G ở Tiền Giang"
        tokens = tokens_of(text)
        self.assertEqual([t.text for t in tokens], ["toc", "do", "4g", "o", "tien", "giang"])
        self.assertEqual([t.lemma for t in tokens], ["tốc", "độ", "4g", "ở", "tiền", "giang"])
        self.assertEqual([text[t.start:t.end] for t in tokens], ["Tốc", "độ", "4G", "ở", "Tiền", "Giang"])
        self.assertEqual(tokens[4].get("original"), "Tiền")

    def test_punctuation_only_message_is_one_token(self):
        tokens = tokens_of(":)")
        self.assertEqual(len(tokens), 1)
        self.assertEqual((tokens[0].start, tokens[0].end), (0, 2))

    def test_training_data_tokens_align_with_entities(self):
        text = "Sở Xây dựng Hậu Giang phải làm gì"
        message = Message(data={TEXT: text, "intent": "ask_duty", "entities": [
            {"start": 0, "end": 11, "value": "Sở Xây dựng", "entity": "agency"},
            {"start": 12, "end": 21, "value": "Hậu Giang", "entity": "province"},
        ]})
        make_tokenizer().process_training_data(TrainingData([message]))
        tokens = message.get(TOKENS_NAMES[TEXT])
        starts, ends = {t.start for t in tokens}, {t.end for t in tokens}
        for entity in message.get("entities"):
            self.assertIn(entity["start"], starts)
            self.assertIn(entity["end"], ends)

    def test_entity_values_are_original_substrings(self):
        for text in ["mục tiêu của Tiền Giang", nfd("mục tiêu của Tiền Giang")]:
            tokens = tokens_of(text)
            tags = {"entity": ["O", "O", "O", "province", "province"]}
            entities = EntityExtractorMixin.convert_predictions_into_entities(text, tokens, tags)
            self.assertEqual(len(entities), 1)
            self.assertEqual(entities[0]["value"], text[text.index(text.split()[-2]):])
            self.assertEqual(entities[0]["value"], text[entities[0]["start"]:entities[0]["end"]])

    def test_count_vectors_are_the_same_with_and_without_diacritics(self):
        with tempfile.TemporaryDirectory() as tmp:
            storage = LocalModelStorage(Path(tmp))
            context = ExecutionContext(GraphSchema({}), "test")
            config = {**CountVectorsFeaturizer.get_default_config(), "analyzer": "char_wb",
                      "min_ngram": 2, "max_ngram": 4, "use_lemma": False}
            featurizer = CountVectorsFeaturizer.create(config, storage, Resource("cvf"), context)
            tokenizer = make_tokenizer()
            train = TrainingData([Message(data={TEXT: "tốc độ cáp quang", "intent": "x"}),
                                  Message(data={TEXT: "khi nào tắt sóng 2G", "intent": "y"})])
            tokenizer.process_training_data(train)
            featurizer.train(train)
            messages = [Message(data={TEXT: t}) for t in
                        ["Tốc độ cáp quang", "toc do cap quang", nfd("tốc độ cáp quang")]]
            tokenizer.process(messages)
            featurizer.process(messages)
            vectors = [m.get_sparse_features(TEXT)[1].features.toarray().tolist() for m in messages]
            self.assertEqual(vectors[0], vectors[1])
            self.assertEqual(vectors[0], vectors[2])
            self.assertTrue(any(any(row) for row in vectors[0]))

    def test_lemma_keeps_diacritics_apart(self):
        self.assertEqual([t.text for t in tokens_of("đúng")], [t.text for t in tokens_of("dừng")])
        self.assertNotEqual(tokens_of("đúng")[0].lemma, tokens_of("dừng")[0].lemma)
        self.assertEqual(tokens_of(nfd("Đúng"))[0].lemma, "đúng")

    def test_fingerprint_changes_with_the_segmenter_source(self):
        self.assertIsNotNone(VietnameseTokenizer.fingerprint_addon({}))


class FoldingEntitySynonymMapperTest(unittest.TestCase):
    def mapper(self):
        return FoldingEntitySynonymMapper(
            {}, None, None,
            synonyms={"tien giang": "Tiền Giang", "tiền giang": "Tiền Giang",
                      "khánh hòa": "Khánh Hòa", "sở tt&tt": "Sở Thông tin và Truyền thông",
                      "hai phong": "Hải Phòng", "hai  phong": "X"},
        )

    def test_exact_nfd_case_and_tone_variants(self):
        mapper = self.mapper()
        cases = {
            "Tiền Giang": "Tiền Giang",
            "TIEN GIANG": "Tiền Giang",
            nfd("Tiền Giang"): "Tiền Giang",
            "Tiền  Giang": "Tiền Giang",
            "Khánh Hoà": "Khánh Hòa",
            "SỞ TT&TT": "Sở Thông tin và Truyền thông",
            "Lào Cai": "Lào Cai",  # unknown: unchanged
        }
        for value, expected in cases.items():
            entities = [{"entity": "province", "value": value}]
            mapper.replace_synonyms(entities)
            self.assertEqual(entities[0]["value"], expected, value)

    def test_ambiguous_folded_keys_are_left_alone(self):
        entities = [{"entity": "province", "value": "Hải Phòng"}]
        self.mapper().replace_synonyms(entities)
        self.assertEqual(entities[0]["value"], "Hải Phòng")


class DietLogisticEnsembleTest(unittest.TestCase):
    def test_combine_averages_and_ranks(self):
        ranking = combine({"a": 0.9, "b": 0.1}, {"a": 0.2, "b": 0.7, "c": 0.1}, 0.5)
        self.assertEqual([r["name"] for r in ranking], ["a", "b", "c"])
        self.assertAlmostEqual(ranking[0]["confidence"], 0.55)
        self.assertAlmostEqual(sum(r["confidence"] for r in ranking), 1.0)
        # without a DIET ranking (training data) the linear model decides alone
        self.assertEqual(combine({}, {"a": 0.3, "b": 0.7}, 0.5)[0], {"name": "b", "confidence": 0.7})

    def test_process_overwrites_intent_with_the_combined_ranking(self):
        class StubLR:
            classes_ = ["affirm", "cancel"]

            def predict_proba(self, X):
                return [[0.8, 0.2]]

        config = {**DietLogisticEnsemble.get_default_config(), "diet_weight": 0.5}
        ensemble = DietLogisticEnsemble(config, "ensemble", None, None)
        ensemble.clf = StubLR()
        ensemble._create_X = lambda messages: None
        message = Message(data={TEXT: "dung", "intent": {"name": "cancel", "confidence": 0.6},
                                "intent_ranking": [{"name": "cancel", "confidence": 0.6},
                                                   {"name": "affirm", "confidence": 0.4}]})
        ensemble.process([message])
        self.assertEqual(message.get("intent")["name"], "affirm")
        self.assertAlmostEqual(message.get("intent")["confidence"], 0.6)
        self.assertEqual([r["name"] for r in message.get("intent_ranking")], ["affirm", "cancel"])


if __name__ == "__main__":
    unittest.main()
