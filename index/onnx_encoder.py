"""The default embedder's encoder on ONNX Runtime: the same network, exported once.

``ensure_onnx(folder)`` exports the converted sentence-transformers folder's BERT to
``folder/onnx/model.onnx`` (eager attention, so ONNX Runtime's BERT optimizer fuses it into
``Attention`` nodes) with the weights in a side file that ONNX Runtime memory-maps: only the
rows of the 250,002-word embedding table a text touches are ever read into memory.
``OnnxEncoder`` then encodes like ``SentenceTransformer.encode`` (prompts, length-sorted
batches, mean pooling over every token including the prompt, L2 norm) without importing
torch or sentence-transformers, which is most of a start's time and memory.

Adopted because it matches the model it replaces: ``tests/test_onnx_encoder.py`` asserts a
minimum cosine of 0.9999 against ``SentenceTransformer.encode`` on varied texts and identical
token counts; ``python -m index eval`` gives the same recall on every dataset.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import warnings
from pathlib import Path

import numpy as np

from index.errors import ModelError

ONNX_DIR = "onnx"
ONNX_FILE = "model.onnx"
EXPORT_VERSION = "1"  # bump when the export changes: old exports are redone


def onnx_ready(folder: Path) -> bool:
    marker = Path(folder) / ONNX_DIR / "EXPORTED"
    return marker.exists() and marker.read_text().strip() == EXPORT_VERSION


def ensure_onnx(folder: Path) -> Path:
    """``folder/onnx/model.onnx``, exported from ``folder`` once (written aside, renamed into place)."""
    folder = Path(folder)
    target = folder / ONNX_DIR
    if onnx_ready(folder):
        return target / ONNX_FILE
    tmp = Path(tempfile.mkdtemp(prefix=".onnx-export-", dir=folder))
    try:
        _export(folder, tmp)
        (tmp / "EXPORTED").write_text(EXPORT_VERSION)
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

        def forward(self, input_ids, attention_mask):
            return self.model(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=torch.zeros_like(input_ids)
            ).last_hidden_state

    ids = torch.ones((2, 8), dtype=torch.long)
    raw = out / "raw.onnx"
    axes = {0: "batch", 1: "tokens"}
    with warnings.catch_warnings():  # the tracer's notes on shapes; the parity test checks the result
        warnings.simplefilter("ignore")
        _trace(torch, Encoder(bert), ids, raw, axes)
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


def _trace(torch, module, ids, path: Path, axes: dict) -> None:
    torch.onnx.export(
        module,
        (ids, torch.ones_like(ids)),
        str(path),
        input_names=["input_ids", "attention_mask"],
        output_names=["last_hidden_state"],
        dynamic_axes={"input_ids": axes, "attention_mask": axes, "last_hidden_state": axes},
        opset_version=17,
        dynamo=False,  # the TorchScript tracer: the dynamo exporter needs onnxscript
    )


class OnnxEncoder:
    """What ``SentenceEmbeddings`` needs of a ``SentenceTransformer``: ``encode``, ``prompts``,
    ``get_embedding_dimension``. ``InferenceSession.run`` is thread-safe and releases the GIL
    for a whole batch (torch re-takes it after every operator, which stalls under load)."""

    def __init__(self, folder: Path):
        import onnxruntime as ort
        from tokenizers import Tokenizer

        folder = Path(folder)
        st_config = _json(folder / "config_sentence_transformers.json")
        self.prompts = dict(st_config.get("prompts") or {})
        self.max_seq_length = int(_json(folder / "sentence_bert_config.json").get("max_seq_length", 512))
        self._dimension = int(_json(folder / "config.json")["hidden_size"])
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.enable_truncation(self.max_seq_length)
        pad = self.tokenizer.padding or {}
        pad_id = pad.get("pad_id", self.tokenizer.token_to_id("<pad>") or 0)
        self.tokenizer.enable_padding(pad_id=pad_id, pad_token=pad.get("pad_token", "<pad>"))
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        try:
            self.session = ort.InferenceSession(
                str(folder / ONNX_DIR / ONNX_FILE), options, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:
            raise ModelError(f"cannot load the ONNX model in {folder} ({exc}): delete {folder} to rebuild it") from exc

    def get_embedding_dimension(self) -> int:
        return self._dimension

    def token_counts(self, texts: list[str]) -> list[int]:
        return [sum(e.attention_mask) for e in self.tokenizer.encode_batch(list(texts))]

    def encode(
        self,
        texts: list[str],
        prompt_name: str | None = None,
        normalize_embeddings: bool = True,
        batch_size: int = 16,
        show_progress_bar: bool = False,
    ) -> np.ndarray:
        prefix = self.prompts.get(prompt_name, "") if prompt_name else ""
        texts = [prefix + t for t in texts]
        out = np.zeros((len(texts), self._dimension), dtype=np.float32)
        # Longest first, as sentence-transformers does: batches of similar length pad little.
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        for start in range(0, len(order), batch_size):
            rows = order[start : start + batch_size]
            encoded = self.tokenizer.encode_batch([texts[i] for i in rows])
            ids = np.array([e.ids for e in encoded], dtype=np.int64)
            mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
            hidden = self.session.run(None, {"input_ids": ids, "attention_mask": mask})[0]
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
