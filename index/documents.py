"""Load articles: a plain-text file whose first line is the title, the rest its paragraphs."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from index.errors import DocumentError

SUFFIXES = (".txt", ".md")
MAX_CHARS = 200_000  # a news article is a few thousand characters; this guards memory
# Control characters (NUL, bell, terminal escapes) carry no text and break terminals and
# stores; newlines and tabs stay.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class Document:
    id: str
    title: str
    text: str  # the whole source, title line included: every offset points into it
    source: str = ""  # where it came from (file path), for display only

    @property
    def body_start(self) -> int:
        """Offset of the first character after the title line."""
        newline = self.text.find("\n")
        return len(self.text) if newline < 0 else newline + 1

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()[:16]


def slugify(text: str, limit: int = 48) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:limit].strip("-") or "article"


def make_document(text: str, doc_id: str | None = None, title: str | None = None, source: str = "") -> Document:
    """Build a Document from raw text; a given title becomes the first line."""
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff"))
    if title is not None:
        title = " ".join(_CONTROL.sub("", title).split())
        if not title:
            raise DocumentError("the article needs a title: type one, then add it again")
        text = f"{title}\n{text.strip()}"
    if not text.strip():
        raise DocumentError("the article is empty: give a file or text with a title line and paragraphs")
    if len(text) > MAX_CHARS:
        raise DocumentError(f"the article is too long ({len(text):,} characters; the limit is {MAX_CHARS:,}): split it")
    first = text.split("\n", 1)[0].strip()
    if not first:
        raise DocumentError("the first line must be the article's title, and it is blank")
    body = text.split("\n", 1)[1] if "\n" in text else ""
    if not body.strip():
        raise DocumentError("the article has a title but no text: add paragraphs below the title line")
    return Document(id=doc_id or slugify(first), title=first, text=text, source=source)


def load_file(path: Path) -> Document:
    path = Path(path)
    if path.suffix.lower() not in SUFFIXES:
        raise DocumentError(f"{path.name}: only {' and '.join(SUFFIXES)} files can be added")
    if not path.is_file():
        raise DocumentError(f"{path}: no such file")
    if path.stat().st_size > MAX_CHARS * 4:
        raise DocumentError(f"{path.name} is too large (limit {MAX_CHARS:,} characters): split it")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise DocumentError(f"{path.name} is not UTF-8 text: save it as UTF-8 and try again") from None
    return make_document(text, doc_id=slugify(path.stem), source=str(path))


def load_dir(folder: Path) -> list[Document]:
    folder = Path(folder)
    if not folder.is_dir():
        raise DocumentError(f"articles folder {folder} does not exist: set BERITA_ARTICLES or --articles")
    docs = [load_file(p) for p in sorted(folder.iterdir()) if p.suffix.lower() in SUFFIXES]
    seen: dict[str, str] = {}
    for doc in docs:
        if doc.id in seen:
            raise DocumentError(f"two articles share the id {doc.id!r} ({seen[doc.id]}, {doc.source}): rename one")
        seen[doc.id] = doc.source
    return docs
