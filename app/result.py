"""The structured result every interface (CLI, JSON, UI) uses."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Citation:
    n: int  # the number used in the answer's [n] marker
    doc_id: str
    title: str
    paragraph: int
    start: int  # offsets into the article source: text == source[start:end]
    end: int
    text: str


@dataclass(frozen=True)
class Passage:
    doc_id: str
    title: str
    paragraph: int
    start: int
    end: int
    text: str
    score: float
    dense: float | None
    lexical: float


@dataclass(frozen=True)
class ShortAnswer:
    """The date, figure, name or place that answers, rendered in the asker's language.

    ``start``/``end`` point into the source of the first citation: ``source[start:end]``
    is the span it was read from (``text`` may differ: "3 Oktober" → "3 October")."""

    text: str
    doc_id: str
    start: int
    end: int
    confidence: float


@dataclass
class Answer:
    question: str
    text: str
    language: str
    answerable: bool
    citations: list[Citation] = field(default_factory=list)
    passages: list[Passage] = field(default_factory=list)  # retrieved, with scores
    related: list[Citation] = field(default_factory=list)  # closest sentences when refusing; not support
    notices: list[str] = field(default_factory=list)
    backend: str = "extractive"
    query: str = ""  # the standalone query used for retrieval
    timings_ms: dict[str, float] = field(default_factory=dict)
    short_answer: ShortAnswer | None = None  # leads the reply when confident enough
    confidence: float = 0.0  # probability that the reply answers the question from the article

    def to_dict(self) -> dict:
        return asdict(self)
