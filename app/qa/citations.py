"""Markers ↔ spans: turn cited sentences into numbered citations whose text is exactly
``source[start:end]``, and keep markers and citations in agreement."""

from __future__ import annotations

import re

from app.result import Citation

_SLOT = re.compile(r"\x00(\d+)\x00")
_MARKER = re.compile(r"\[\s*(\d+)\s*\]")
_BAD_MARKER = re.compile(r"\[\s*(?:\d+\s*[,;-]\s*)+\d+\s*\]|\[\s*[^\]\d\s][^\]]{0,12}\]|\[\s*\]")


def slot(i: int) -> str:
    """A placeholder for the i-th cited sentence, replaced by "[n]" when numbering."""
    return f"\x00{i}\x00"


def citation_for(n: int, sentence, sources: dict[str, str]) -> Citation:
    text = sources[sentence.doc_id][sentence.start : sentence.end]
    return Citation(n, sentence.doc_id, sentence.title, sentence.paragraph, sentence.start, sentence.end, text)


def number_slots(text: str, sentences: list, sources: dict[str, str]) -> tuple[str, list[Citation]]:
    """Replace slots by [1], [2]… in order of first appearance; one citation per distinct sentence."""
    numbers: dict[int, int] = {}

    def replace(match: re.Match) -> str:
        i = int(match.group(1))
        numbers.setdefault(i, len(numbers) + 1)
        return f"[{numbers[i]}]"

    out = _SLOT.sub(replace, text)
    citations = [citation_for(n, sentences[i], sources) for i, n in sorted(numbers.items(), key=lambda p: p[1])]
    return out, citations


def parse_markers(text: str, passages: list, sources: dict[str, str]) -> tuple[str, list[Citation], list[str]]:
    """Model text citing passages [1]..[len(passages)] → renumbered text, citations, dropped markers.

    Markers that point at no passage, and malformed ones ("[1,2]", "[a]", "[]"), are
    removed from the text and reported; grouped ones are split ("[1,2]" → "[1][2]").
    """
    dropped: list[str] = []

    def split_group(match: re.Match) -> str:
        inner = match.group()
        numbers = re.findall(r"\d+", inner)
        if numbers and re.fullmatch(r"\[\s*(?:\d+\s*[,;]\s*)+\d+\s*\]", inner):
            return "".join(f"[{n}]" for n in numbers)
        dropped.append(inner)
        return ""

    text = _BAD_MARKER.sub(split_group, text)

    def to_slot(match: re.Match) -> str:
        n = int(match.group(1))
        if not 1 <= n <= len(passages):
            dropped.append(match.group())
            return ""
        return slot(n - 1)

    text = _MARKER.sub(to_slot, text)
    text = re.sub(r"[ \t]+([.,;:!?])", r"\1", re.sub(r"[ \t]{2,}", " ", text)).strip()
    out, citations = number_slots(text, passages, sources)
    return out, citations, dropped


def check_agreement(text: str, citations: list[Citation]) -> None:
    """Every marker has a citation and every citation is used (an invariant, asserted in tests)."""
    used = {int(n) for n in _MARKER.findall(text)}
    listed = {c.n for c in citations}
    if used != listed or listed != set(range(1, len(citations) + 1)):
        raise AssertionError(f"markers {sorted(used)} disagree with citations {sorted(listed)}")
