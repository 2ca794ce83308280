"""The article library (bundled files + articles users added) and keeping the index in step with it.

Added articles live in Chroma (collection ``berita-added-articles``, independent of the
embedding model), so every app process that shares a Chroma server shares them too.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import asdict, dataclass, field

from index.chunking import chunk_document
from index.documents import Document, load_dir, load_file
from index.errors import DocumentError
from index.settings import Settings
from index.snapshot import ADDED, BUNDLED
from index.store import put_record, record_collection

ADDED_COLLECTION = "berita-added-articles"
# Chunks embedded and written per group while indexing: enough that length-sorted batches
# across articles pad little (the benchmark's indexing rate is flat from about 256 up), few
# enough that a killed build redoes only seconds of work.
WRITE_BATCH_CHUNKS = 512


@dataclass(frozen=True)
class ArticleInfo:
    id: str
    title: str
    kind: str  # "bundled" or "added"
    chunks: int

    def to_dict(self) -> dict:
        return asdict(self)


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


class AddedArticles:
    """Articles users added, one Chroma record each (text + title), fetched by id."""

    def __init__(self, client):
        self.collection = record_collection(client, ADDED_COLLECTION)

    def all(self) -> list[Document]:
        got = self.collection.get(include=["documents", "metadatas"])
        docs = [Document(i, m["title"], text) for i, text, m in zip(got["ids"], got["documents"], got["metadatas"],
                                                                    strict=True)]
        return sorted(docs, key=lambda d: d.id)

    def has(self, doc_id: str) -> bool:
        return bool(self.collection.get(ids=[doc_id], include=[])["ids"])

    def put(self, doc: Document) -> None:
        put_record(self.collection, doc.id, doc.text, {"title": doc.title, "digest": doc.digest})

    def delete(self, doc_id: str) -> None:
        self.collection.delete(ids=[doc_id])


def library_documents(settings: Settings, added: AddedArticles) -> tuple[list[Document], dict[str, str]]:
    """Bundled articles, then the added ones; and doc_id → kind."""
    bundled = load_dir(settings.articles_dir)
    extra = added.all()
    ids = [d.id for d in bundled + extra]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise DocumentError(f"article id(s) {', '.join(duplicates)} appear twice: remove the added copy")
    kinds = {d.id: BUNDLED for d in bundled} | {d.id: ADDED for d in extra}
    return bundled + extra, kinds


def import_upload_folder(settings: Settings, added: AddedArticles) -> int:
    """Move articles an earlier version kept as files under ``BERITA_HOME/articles`` into Chroma
    (once: the folder is renamed afterwards, so nothing is imported twice or lost)."""
    folder = settings.uploads_dir
    if not folder.is_dir():
        return 0
    docs = [load_file(p) for p in sorted(folder.iterdir()) if p.suffix.lower() in (".txt", ".md")]
    for doc in docs:
        if not added.has(doc.id):
            added.put(Document(doc.id, doc.title, doc.text))
    os.replace(folder, folder.with_name(folder.name + ".imported"))
    return len(docs)


def sync(
    store,
    docs: list[Document],
    kinds: dict[str, str] | None = None,
    rebuild: bool = False,
    progress: Callable | None = None,
    batch_chunks: int = WRITE_BATCH_CHUNKS,
) -> SyncReport:
    """Make the store hold exactly ``docs``: unchanged articles are skipped, changed ones are
    embedded and written in groups of about ``batch_chunks`` chunks (across articles), and each
    group's manifest records are written only after its chunks (so a killed build is resumable).
    A group is written by a second thread while the next one is embedded; groups are written
    one at a time, in order."""
    kinds = kinds or {}
    if rebuild:
        store.reset()
    report = SyncReport(documents=len(docs))
    manifest = store.manifest()
    stored, stored_ids = store.stored_chunks()
    group: list[tuple[Document, str, list]] = []
    pending: list[Future] = []

    def write(plan, items) -> None:
        added, removed = store.write_planned(plan)
        store.commit_many([(d, k, len(c)) for d, k, c in items])
        report.added += added
        report.removed += removed
        report.changed += [d.id for d, _, _ in items if d.id in manifest and d.digest != manifest[d.id][0].digest]

    def flush(writer) -> None:
        plan = store.plan_upsert([(d, c) for d, _, c in group], stored_ids)  # the encoder, this thread
        while pending:
            pending.pop().result()  # the previous group is written (or its error raised) first
        pending.append(writer.submit(write, plan, list(group)))
        group.clear()

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="index-writer") as writer:
        try:
            for doc in progress(docs) if progress else docs:
                kind = kinds.get(doc.id, BUNDLED)
                chunks = chunk_document(doc)
                report.chunks += len(chunks)
                entry = manifest.get(doc.id)
                complete = entry and entry[0].digest == doc.digest and stored.get(doc.id) == {doc.digest: len(chunks)}
                if complete and entry[1] == kind:
                    continue
                group.append((doc, kind, chunks))
                if sum(len(c) for _, _, c in group) >= batch_chunks:
                    flush(writer)
            if group:
                flush(writer)
        finally:
            wait(pending)  # never leave a write running behind a failure
        for done in pending:
            done.result()
    wanted = {d.id for d in docs}
    for doc_id in sorted((set(manifest) | set(stored)) - wanted):  # dropped articles and crash leftovers
        store.uncommit(doc_id)
        report.removed += store.remove(doc_id)
        if doc_id in manifest:
            report.dropped.append(doc_id)
    return report


def needs_sync(store, docs: list[Document], kinds: dict[str, str] | None = None, records=None, manifest=None) -> bool:
    """True when the index is not exactly ``docs``: first run, an edited article, or a build
    that was killed half-way (chunks without a manifest record, or a record with chunks missing).
    ``records`` (``store.chunk_records()``) and ``manifest``, when already read, are used as they are."""
    kinds = kinds or {}
    manifest = store.manifest() if manifest is None else manifest
    expected = {d.id: (d.digest, kinds.get(d.id, BUNDLED)) for d in docs}
    if {i: (doc.digest, kind) for i, (doc, kind, _) in manifest.items()} != expected:
        return True
    stored: dict[str, Counter] = {}
    for chunk, digest in store.chunk_records() if records is None else records:
        stored.setdefault(chunk.doc_id, Counter())[digest] += 1
    return stored != {i: {doc.digest: n} for i, (doc, _, n) in manifest.items()}


def info(snapshot) -> list[ArticleInfo]:
    counts = snapshot.chunk_counts()
    return [
        ArticleInfo(doc.id, doc.title, snapshot.kinds[doc.id], counts[doc.id])
        for doc in sorted(snapshot.documents.values(), key=lambda d: (snapshot.kinds[d.id] != BUNDLED, d.title))
    ]

