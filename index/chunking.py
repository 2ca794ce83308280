"""Paragraphs → sentences with exact offsets → chunks of a few sentences.

Every span is a pair of offsets into ``Document.text``: ``text[start:end]`` is exactly
the passage, which is what lets the UI highlight a cited sentence.
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass, field

from index.documents import Document

MAX_SENTENCES = 3
MAX_CHARS = 900

# Words that end with a period without ending the sentence: titles before names,
# "No." before numbers, month abbreviations before years. Lower-case, no period.
ABBREVIATIONS = frozenset(
    """
    dr drs dra ir prof hj h sdr sdri bpk ibu yth no nos nr hlm hal jl kec kab kel prov tgl
    jend jen letjen mayjen brigjen kol letkol mayor kapt lt laksda laksdya marsda marsdya
    mr mrs ms mt st vs gen col capt sgt adm rep sen gov pres inc ltd co corp dept est approx
    jan feb mar apr jun jul agu ags aug sep sept okt oct nov des dec rp fig
    """.split()
)

# A candidate boundary: end punctuation, optional closing quotes/brackets, whitespace.
_BOUNDARY = re.compile(r"[.!?]+[\"'”’)\]]*(?=\s)")
_NEXT_STARTS_SENTENCE = re.compile(r"\s+[\"'“‘(\[]*[A-Z0-9\u00C0-\u024F]")


@dataclass(frozen=True)
class Span:
    start: int
    end: int


@dataclass(frozen=True)
class Chunk:
    id: str
    doc_id: str
    title: str
    paragraph: int  # 1-based paragraph number in the article body
    start: int
    end: int
    text: str
    sentences: tuple[Span, ...] = field(default_factory=tuple)

    def metadata(self) -> dict:
        """Flat metadata for Chroma (scalars only); sentences as "s:e;s:e"."""
        return {
            "chunk_id": self.id,
            "doc_id": self.doc_id,
            "title": self.title,
            "paragraph": self.paragraph,
            "start": self.start,
            "end": self.end,
            "sentences": ";".join(f"{s.start}:{s.end}" for s in self.sentences),
        }

    @classmethod
    def from_metadata(cls, text: str, meta: dict) -> Chunk:
        spans = tuple(Span(int(a), int(b)) for a, b in (p.split(":") for p in str(meta["sentences"]).split(";") if p))
        return cls(
            id=meta["chunk_id"],
            doc_id=meta["doc_id"],
            title=meta["title"],
            paragraph=int(meta["paragraph"]),
            start=int(meta["start"]),
            end=int(meta["end"]),
            text=text,
            sentences=spans,
        )


def paragraphs(text: str, offset: int = 0) -> list[Span]:
    """Paragraph spans (whitespace-trimmed) of ``text[offset:]``.

    Blank lines separate paragraphs when the text has any; otherwise (news copy pasted
    one paragraph per line) every non-empty line is a paragraph.
    """
    body = text[offset:]
    separator = r"\n[ \t]*\n" if re.search(r"\n[ \t]*\n", body) else r"\n"
    spans, pos = [], 0
    for match in list(re.finditer(separator, body)) + [None]:
        stop = match.start() if match else len(body)
        span = _trim(text, offset + pos, offset + stop)
        if span:
            spans.append(span)
        if match:
            pos = match.end()
    return spans


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[Span]:
    """Sentence spans inside ``text[start:end]``, trimmed of surrounding whitespace."""
    end = len(text) if end is None else end
    spans, sent_start = [], start
    for match in _BOUNDARY.finditer(text, start, end):
        cut = match.end()
        if not _NEXT_STARTS_SENTENCE.match(text, cut, end) or _is_abbreviation(text, sent_start, match.start()):
            continue
        span = _trim(text, sent_start, cut)
        if span:
            spans.append(span)
        sent_start = cut
    last = _trim(text, sent_start, end)
    if last:
        spans.append(last)
    return spans


def chunk_document(doc: Document, max_sentences: int = MAX_SENTENCES, max_chars: int = MAX_CHARS) -> list[Chunk]:
    chunks = []
    for number, para in enumerate(paragraphs(doc.text, doc.body_start), start=1):
        for group in _group(split_sentences(doc.text, para.start, para.end), max_sentences, max_chars):
            start, end = group[0].start, group[-1].end
            text = doc.text[start:end]
            digest = hashlib.sha256(f"{doc.id}\x00{start}\x00{text}".encode()).hexdigest()[:20]
            chunks.append(Chunk(digest, doc.id, doc.title, number, start, end, text, tuple(group)))
    return chunks


def _group(sentences: list[Span], max_sentences: int, max_chars: int) -> list[list[Span]]:
    """Consecutive sentences in balanced groups of at most ``max_sentences`` (and roughly ``max_chars``)."""
    if not sentences:
        return []
    total = sentences[-1].end - sentences[0].start
    n_groups = max(math.ceil(len(sentences) / max_sentences), math.ceil(total / max_chars))
    n_groups = min(n_groups, len(sentences))
    size, extra = divmod(len(sentences), n_groups)
    groups, pos = [], 0
    for i in range(n_groups):
        step = size + (1 if i < extra else 0)
        groups.append(sentences[pos : pos + step])
        pos += step
    return groups


def _is_abbreviation(text: str, sent_start: int, dot: int) -> bool:
    word = re.search(r"([^\s\"'“‘(\[]+)$", text[sent_start:dot])
    if not word:
        return False
    token = word.group(1)
    if re.fullmatch(r"(?:[^\W\d_]{1,3}\.)+[^\W\d_]{1,3}", token):  # "U.S", "a.n": dotted letters
        return True
    if len(token) == 1 and token.isalpha() and token.isupper():  # an initial: "A. Belousov"
        return True
    return token.lower() in ABBREVIATIONS


def _trim(text: str, start: int, end: int) -> Span | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return Span(start, end) if end > start else None
