"""The reader at serving time: ONNX Runtime, no torch.

``load_reader`` builds (once) the fine-tuned model folder and its ONNX export beside the base
model, and returns a ``Reader`` whose sentence vectors are cached like the base model's
(``EvidenceScorer``: saved between runs, memory-mapped). ``Reader.read`` gives each sentence's
score and the "no answer" score, in one softmax's units.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from app.qa.evidence import EvidenceScorer
from app.qa.reader import weights


@dataclass(frozen=True)
class Reading:
    sentence_logits: np.ndarray  # one per sentence given
    null_logit: float

    def probabilities(self) -> tuple[np.ndarray, float]:
        """The softmax over the sentences and "no answer" (last)."""
        z = np.append(self.sentence_logits, self.null_logit)
        p = np.exp(z - z.max())
        p /= p.sum()
        return p[:-1], float(p[-1])


class Reader:
    def __init__(self, embedder, head: weights.Head):
        self.scorer = EvidenceScorer(embedder)
        self.head = head

    def read(self, query: str, sentences: list[str]) -> Reading:
        q = np.asarray(self.scorer.embedder.embed_queries([query])[0], dtype=np.float32)
        s = self.scorer.passage_vectors(sentences) if sentences else np.zeros((0, len(q)), np.float32)
        h = self.head
        return Reading((h.scale * (s @ q)).astype(np.float64), float(h.scale * (q @ h.null_w + h.null_b)))


_loaded: dict = {}
_loaded_lock = threading.Lock()


def reader_beside(embedder, models_dir: Path | None = None) -> Reader | None:
    """The shipped reader for an embedder of the default model, built beside the base model's
    folder (or in ``models_dir``) once per process; None for any other embedder (a fake in tests)."""
    from index.embeddings import DEFAULT_MODEL_ID
    from index.onnx_encoder import OnnxEncoder

    model = getattr(embedder, "model", None)
    if models_dir is None:
        if not isinstance(model, OnnxEncoder) or getattr(embedder, "model_id", "") != DEFAULT_MODEL_ID:
            return None
        models_dir = model.folder.parent
    key = (str(Path(models_dir).resolve()), weights.digest())
    with _loaded_lock:
        if key not in _loaded:
            from index.e5_convert import ensure_converted

            base = ensure_converted(Path(models_dir) / DEFAULT_MODEL_ID)
            _loaded[key] = load_reader(base, Path(models_dir), model)
        return _loaded[key]


def load_reader(base_folder: Path, models_dir: Path, base_encoder=None, path: Path = weights.WEIGHTS) -> Reader:
    """The shipped reader on ONNX Runtime, sharing the base encoder's tokenizer and token table
    when one is given (the reader never changed them)."""
    from index.embeddings import SentenceEmbeddings
    from index.onnx_encoder import OnnxEncoder, ensure_onnx

    folder = weights.materialise(Path(base_folder), Path(models_dir), path)
    ensure_onnx(folder)
    shared = base_encoder if isinstance(base_encoder, OnnxEncoder) else None
    return Reader(SentenceEmbeddings(OnnxEncoder(folder, tokens_from=shared), folder.name), weights.load_head(path))
