"""The article library (bundled + uploaded files) and keeping the Chroma index in step with it."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from index.chunking import chunk_document
from index.documents import Document, load_dir
from index.errors import DocumentError
from index.settings import Settings


@dataclass
class SyncReport:
    documents: int = 0
    chunks: int = 0
    added: int = 0
    removed: int = 0
    changed: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{self.documents} article(s), {self.chunks} chunk(s): {self.added} added, {self.removed} removed"
            + (f"; updated {', '.join(self.changed)}" if self.changed else "")
            + (f"; dropped {', '.join(self.dropped)}" if self.dropped else "")
        )


def load_library(settings: Settings) -> list[Document]:
    """Bundled articles, then the ones users added (kept under ``BERITA_HOME``)."""
    docs = load_dir(settings.articles_dir)
    if settings.uploads_dir.is_dir():
        docs += load_dir(settings.uploads_dir)
    ids = [d.id for d in docs]
    duplicates = {i for i in ids if ids.count(i) > 1}
    if duplicates:
        raise DocumentError(f"article id(s) {', '.join(sorted(duplicates))} appear twice: remove one")
    return docs


def sync(store, docs: list[Document], rebuild: bool = False, progress: Callable | None = None) -> SyncReport:
    """Make the store hold exactly ``docs``; unchanged chunks are not re-embedded."""
    if rebuild:
        store.reset()
    report = SyncReport(documents=len(docs))
    before = store.digests()
    for doc in progress(docs) if progress else docs:
        chunks = chunk_document(doc)
        added, removed = store.upsert(doc, chunks)
        report.chunks += len(chunks)
        report.added += added
        report.removed += removed
        if doc.id in before and (added or removed):
            report.changed.append(doc.id)
    for doc_id in sorted(set(before) - {d.id for d in docs}):
        report.removed += store.remove(doc_id)
        report.dropped.append(doc_id)
    return report


def needs_sync(store, docs: list[Document]) -> bool:
    return store.digests() != {d.id: d.digest for d in docs}


def save_upload(settings: Settings, doc: Document) -> Path:
    """Write an added article under ``BERITA_HOME/articles`` (atomically), refusing to overwrite."""
    bundled = {d.id for d in load_dir(settings.articles_dir)}
    target = settings.uploads_dir / f"{doc.id}.txt"
    if doc.id in bundled or target.exists():
        raise DocumentError(f"an article with the id {doc.id!r} already exists: remove it first or rename")
    settings.uploads_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=settings.uploads_dir, suffix=".part")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(doc.text)
    os.replace(tmp, target)
    return target


def delete_upload(settings: Settings, doc_id: str) -> None:
    target = settings.uploads_dir / f"{doc_id}.txt"
    if not target.exists():
        raise DocumentError(f"{doc_id!r} is not an added article (bundled articles cannot be removed)")
    target.unlink()
