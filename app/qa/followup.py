"""Deterministic follow-up handling: carry the previous turn's subject into retrieval.

Without a chat model we cannot rewrite "Where was it held?" into a standalone
question, but we can make retrieval see what "it" was about: the previous question
(and answer, when it is short) are prepended to the new one. Questions that already
stand alone (long, with their own names or numbers) are left as they are.
"""

from __future__ import annotations

import re

# Words that point back at an earlier turn, in English and Indonesian.
_ANAPHORA = re.compile(
    r"\b(it|its|he|she|him|her|his|they|them|their|there|that|this|those|these|then|the same|"
    r"ia|dia|nya|mereka|itu|tersebut|sana|situ|kalau|bagaimana dengan|what about|and|lalu|terus)\b",
    re.IGNORECASE,
)
_OWN_SUBJECT = re.compile(r"\b([A-Z][a-z]{2,}|\d{2,})")


_CONTINUES = ("kalau", "and ", "dan ", "what about", "how about", "bagaimana dengan", "lalu", "terus", "then ")


def needs_context(question: str) -> bool:
    """Does the question lean on the previous turn?

    It does when it starts like a continuation ("Kalau yang di ...", "And the one ..."),
    or when it names nothing of its own (no name or number after its first word) and is
    short or points back ("Where was it held?", "Who did he meet there?").
    """
    words = question.split()
    if question.lower().startswith(_CONTINUES):
        return True
    if _OWN_SUBJECT.findall(" ".join(words[1:])):
        return False  # "Siapa yang ditemui Belousov?" stands alone
    has_pointer = bool(_ANAPHORA.search(question)) or question.lower().endswith("nya?")
    return len(words) <= 4 or has_pointer


def condense(question: str, history: list[tuple[str, str]] | list[list[str]] | None) -> str:
    """A retrieval query for ``question`` that includes the needed context from ``history``."""
    question = (question or "").strip()
    if not question or not history or not needs_context(question):
        return question
    last_q, last_a = (list(history[-1]) + ["", ""])[:2]
    answer = re.sub(r"\[\d+\]", "", last_a or "").strip()
    context = f"{last_q} {answer}" if len(answer) <= 200 else last_q
    return f"{context.strip()} {question}".strip()
