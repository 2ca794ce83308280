"""The default embedder's encoder on ONNX Runtime: the same network, exported once.

``ensure_onnx(folder)`` exports the converted sentence-transformers folder's BERT to
``folder/onnx/``: the encoder graph (eager attention, so ONNX Runtime's BERT optimizer fuses
it into ``Attention`` nodes) taking token vectors, and the 250,002-word token table as a raw
file read a row at a time (``_WordRows``): a server only ever touches a few thousand rows,
so the table (384 MB) stays out of its memory. ``OnnxEncoder`` then encodes like
``SentenceTransformer.encode`` (prompts, length-sorted batches, mean pooling over every
token including the prompt, L2 norm) without importing torch or sentence-transformers,
which is most of a start's time and memory.

Adopted because it matches the model it replaces: ``tests/test_onnx_encoder.py`` asserts a
minimum cosine of 0.9999 against ``SentenceTransformer.encode`` on varied texts and identical
token counts; ``python -m app eval`` gives identical figures on every dataset.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import tempfile
import threading
import warnings
import weakref
from pathlib import Path

import numpy as np

from index.errors import ModelError

ONNX_DIR = "onnx"
ONNX_FILE = "model.onnx"
WORDS_FILE = "word_embeddings.f32"  # the token table, outside the graph (see _WordRows)
EXPORT_VERSION = "2"  # bump when the export changes: old exports are redone
# Tokens per batch once texts are long: a batch of 16 sentences of 128 tokens, or 4 texts of
# 512. Measured on 1,500 news sentences: batches of 16-32 encode fastest (93-97 texts/s
# against 71 for 128), and a cap on batch × length keeps a long text's attention from adding
# hundreds of MB to the serving process (peak 908 MB with 128 per batch, 636 MB with 16).
BATCH_TOKENS = 2048


def onnx_ready(folder: Path) -> bool:
    marker = Path(folder) / ONNX_DIR / "EXPORTED"
    return marker.exists() and marker.read_text().strip() == EXPORT_VERSION


def ensure_onnx(folder: Path) -> Path:
    """``folder/onnx/model.onnx``, exported from ``folder`` once: written aside and renamed
    into place under a lock, so a killed export or a second process exporting at the same
    time never leaves a half-written model (nor, after the next start, its leftovers)."""
    folder = Path(folder)
    target = folder / ONNX_DIR
    if onnx_ready(folder):
        return target / ONNX_FILE
    with open(folder / ".onnx-export.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another process exporting: wait, then use its export
        if onnx_ready(folder):
            return target / ONNX_FILE
        for leftover in folder.glob(".onnx-export-*"):  # a killed export's folder
            shutil.rmtree(leftover, ignore_errors=True)
        tmp = Path(tempfile.mkdtemp(prefix=".onnx-export-", dir=folder))
        try:
            _export(folder, tmp)
            (tmp / "EXPORTED").write_text(EXPORT_VERSION)
            os.chmod(tmp, 0o755)  # mkdtemp made it private; the model folder is not
            if target.exists():
                shutil.rmtree(target)
            os.replace(tmp, target)
        except Exception as exc:
            raise ModelError(f"cannot export {folder.name} to ONNX ({type(exc).__name__}: {exc})") from exc
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return target / ONNX_FILE


def _export(folder: Path, out: Path) -> None:
    import onnx
    import torch
    from onnxruntime.transformers import optimizer
    from transformers import AutoModel
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()  # no load report or progress bar on a user's terminal
    hf_logging.disable_progress_bar()
    bert = AutoModel.from_pretrained(str(folder), attn_implementation="eager").eval()
    config = bert.config

    class Encoder(torch.nn.Module):  # token_type_ids are always 0 for this model
        def __init__(self, model):
            super().__init__()
            self.model = model

        def forward(self, inputs_embeds, attention_mask):
            return self.model(
                inputs_embeds=inputs_embeds,
                attention_mask=attention_mask,
                token_type_ids=torch.zeros_like(attention_mask),
            ).last_hidden_state

    table = bert.embeddings.word_embeddings.weight.detach().numpy().astype("<f4")
    table.tofile(out / WORDS_FILE)
    embeds = torch.zeros((2, 8, config.hidden_size), dtype=torch.float32)
    raw = out / "raw.onnx"
    axes = {0: "batch", 1: "tokens"}
    with warnings.catch_warnings():  # the tracer's notes on shapes; the parity test checks the result
        warnings.simplefilter("ignore")
        _trace(torch, Encoder(bert), embeds, raw, axes)
    fused = optimizer.optimize_model(
        str(raw), model_type="bert", num_heads=config.num_attention_heads, hidden_size=config.hidden_size, opt_level=1
    )
    onnx.save_model(
        fused.model,
        str(out / ONNX_FILE),
        save_as_external_data=True,
        all_tensors_to_one_file=True,
        location=ONNX_FILE + ".data",
        size_threshold=1024,
    )
    raw.unlink()


def _trace(torch, module, embeds, path: Path, axes: dict) -> None:
    torch.onnx.export(
        module,
        (embeds, torch.ones(embeds.shape[:2], dtype=torch.long)),
        str(path),
        input_names=["inputs_embeds", "attention_mask"],
        output_names=["last_hidden_state"],
        dynamic_axes={"inputs_embeds": axes, "attention_mask": axes, "last_hidden_state": axes},
        opset_version=17,
        dynamo=False,  # the TorchScript tracer: the dynamo exporter needs onnxscript
    )


class _WordRows:
    """The word-embedding table (250,002 × 384 fp32, 384 MB) read a row at a time from its
    file, with the most recent rows kept: a server touches a few thousand words, and neither
    holding nor memory-mapping the whole table would leave it out of the process's memory."""

    KEPT = 16_384  # rows kept in memory (24 MB): the vocabulary of a large library

    def __init__(self, path: Path, dimension: int):
        self._fd = os.open(path, os.O_RDONLY)
        weakref.finalize(self, os.close, self._fd)
        self._row = dimension * 4
        self._dimension = dimension
        self._rows = int(os.fstat(self._fd).st_size // self._row)
        self._kept: dict[int, np.ndarray] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return self._rows

    def lookup(self, ids: np.ndarray) -> np.ndarray:
        unique, inverse = np.unique(ids, return_inverse=True)
        rows = np.empty((len(unique), self._dimension), dtype=np.float32)
        for j, token in enumerate(unique.tolist()):
            with self._lock:  # encoders run in several threads at once
                row = self._kept.pop(token, None)
                if row is not None:
                    self._kept[token] = row  # most recently used last: evicted last
            if row is None:
                row = np.frombuffer(os.pread(self._fd, self._row, token * self._row), dtype="<f4")
                with self._lock:
                    if len(self._kept) >= self.KEPT:
                        self._kept.pop(next(iter(self._kept)), None)
                    self._kept[token] = row
            rows[j] = row
        return rows[inverse.reshape(ids.shape)]


def _one_blas_thread() -> None:
    """numpy's BLAS keeps its threads spinning for a while after every matrix product, on
    the cores the encoder's threads need: on 2 cores an encoder call right after a few of the
    answerer's products took 14 ms instead of 7, and a warm answer at 10,000 chunks 58 ms
    instead of 35 (``python -m app bench``). Those products are small; one thread does them."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="blas")  # the BLAS libraries loaded so far
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # and those loaded later (scipy's own OpenBLAS)


class OnnxEncoder:
    """What ``SentenceEmbeddings`` needs of a ``SentenceTransformer``: ``encode``, ``prompts``,
    ``get_embedding_dimension``. ``InferenceSession.run`` is thread-safe and releases the GIL
    for a whole batch (torch re-takes it after every operator, which stalls under load)."""

    def __init__(self, folder: Path, tokens_from: OnnxEncoder | None = None):
        """``tokens_from``: an encoder of a model fine-tuned from the same base with its token
        table frozen (the reader): its tokenizer (294 MB) and token table are shared, not loaded twice."""
        folder = Path(folder)
        self.folder = folder
        self._tokens_from = tokens_from
        self.version = EXPORT_VERSION  # saved vectors name it (EvidenceScorer.fingerprint)
        st_config = _json(folder / "config_sentence_transformers.json")
        self.prompts = dict(st_config.get("prompts") or {})
        self.max_seq_length = int(_json(folder / "sentence_bert_config.json").get("max_seq_length", 512))
        self._dimension = int(_json(folder / "config.json")["hidden_size"])
        missing = [p for p in (folder / "tokenizer.json", folder / ONNX_DIR / ONNX_FILE, folder / ONNX_DIR / WORDS_FILE)
                   if not p.is_file()]
        if missing:
            raise ModelError(f"{missing[0]} is missing: delete {folder} to rebuild it")
        # The tokenizer (0.65 s, holding Python's lock) and the session are loaded by the first
        # call, not here: a server's page is up before them, and its warm-up makes that call.
        self._load_lock = threading.Lock()
        self._loaded = False
        _one_blas_thread()

    def _load(self) -> None:
        if self._loaded:
            return
        with self._load_lock:
            if self._loaded:
                return
            import onnxruntime as ort
            from tokenizers import Tokenizer

            folder, shared = self.folder, self._tokens_from
            try:
                if shared is not None:
                    shared._load()
                    tokenizer = shared.tokenizer
                else:
                    tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
                options = ort.SessionOptions()
                options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
                options.intra_op_num_threads = len(os.sched_getaffinity(0))  # its default counts physical cores only
                self.session = ort.InferenceSession(
                    str(folder / ONNX_DIR / ONNX_FILE), options, providers=["CPUExecutionProvider"]
                )
                self._words = shared._words if shared is not None else _WordRows(folder / ONNX_DIR / WORDS_FILE,
                                                                                   self._dimension)
            except Exception as exc:
                raise ModelError(
                    f"cannot load the ONNX model in {folder} ({exc}): delete {folder} to rebuild it"
                ) from exc
            if shared is None:
                tokenizer.enable_truncation(self.max_seq_length)
                tokenizer.no_padding()  # batches are padded here, after sorting by length
            self._pad_id = tokenizer.token_to_id("<pad>") or 0
            self.tokenizer = tokenizer
            self._loaded = True

    def get_embedding_dimension(self) -> int:
        return self._dimension

    def token_counts(self, texts: list[str]) -> list[int]:
        return [len(ids) for ids in self._tokenize(texts)]

    def _tokenize(self, texts: list[str]) -> list[list[int]]:
        self._load()
        return [e.ids for e in self.tokenizer.encode_batch(list(texts))] if texts else []

    def encode(
        self,
        texts: list[str],
        prompt_name: str | None = None,
        normalize_embeddings: bool = True,
        batch_size: int = 16,
        show_progress_bar: bool = False,
    ) -> np.ndarray:
        prefix = self.prompts.get(prompt_name, "") if prompt_name else ""
        out = np.zeros((len(texts), self._dimension), dtype=np.float32)
        encoded = self._tokenize([prefix + t for t in texts])
        # Longest first, as sentence-transformers does, so batches of similar length pad little;
        # long texts go in smaller batches: attention memory grows with batch × length².
        order = sorted(range(len(texts)), key=lambda i: -len(encoded[i]))
        start = 0
        while start < len(order):
            longest = len(encoded[order[start]])
            size = max(1, min(batch_size, BATCH_TOKENS // max(longest, 1)))
            rows = order[start : start + size]
            start += size
            ids = np.full((len(rows), longest), self._pad_id, dtype=np.int64)
            mask = np.zeros((len(rows), longest), dtype=np.int64)
            for r, i in enumerate(rows):
                ids[r, : len(encoded[i])] = encoded[i]
                mask[r, : len(encoded[i])] = 1
            hidden = self.session.run(None, {"inputs_embeds": self._words.lookup(ids), "attention_mask": mask})[0]
            weights = mask[:, :, None].astype(np.float32)
            out[rows] = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        if normalize_embeddings and len(out):
            out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
        return out


def _json(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    except (OSError, json.JSONDecodeError) as exc:
        raise ModelError(f"cannot read {path} ({exc}): delete the model folder to rebuild it") from exc
