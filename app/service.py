"""Wiring for the app: settings → index (building it if needed) → assistant."""

from __future__ import annotations

from app.qa.llm import make_chat_model
from app.qa.pipeline import Assistant
from index.service import open_index
from index.settings import Settings


def build_assistant(settings: Settings, embedder=None, client=None, chat_model=None, reader=None) -> Assistant:
    index = open_index(settings, embedder=embedder, client=client)
    index.ensure_built()
    chat_model = chat_model if chat_model is not None else make_chat_model(settings)
    return Assistant(
        index, chat_model=chat_model, llm_timeout=settings.llm_timeout, vector_cache=vector_cache(settings, index),
        word_table=word_table(settings, index), reader=reader or shipped_reader(settings, index.store.embeddings),
    )


def shipped_reader(settings: Settings, embedder):
    """The trained reader (``app/qa/reader``), one per models folder in a process: every article
    set of an evaluation shares its ONNX session and sentence vectors."""
    from app.qa.reader.serve import reader_beside

    return reader_beside(embedder, settings.models_dir)


def vector_cache(settings: Settings, index):
    """The file of saved sentence and word vectors: one per model's collection."""
    return settings.cache_dir / f"vectors-{index.store.name}.npz"


def word_table(settings: Settings, index):
    """Where the common words' vectors live (``app/qa/word_table.py``): beside the model, since
    they depend on nothing else; its files are named by adding to this stem."""
    return settings.models_dir / f"common-words-{index.store.name}"
