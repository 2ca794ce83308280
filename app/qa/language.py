"""Question language: Indonesian (``id``) or English (``en``), with py3langid restricted to the two."""

from __future__ import annotations

from functools import cache

LANGUAGES = ("id", "en")
NAMES = {"id": "Indonesian (Bahasa Indonesia)", "en": "English"}
MIN_CONFIDENCE = 0.8  # below this ("3,5%", "Beijing", "ok") the text says too little


@cache
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(LANGUAGES))
    # py3langid keeps every language's matrix (27 MB) to allow restricting again; we never do,
    # and a server holds this for its whole life
    identifier._full_model = (identifier.nb_ptc, identifier.nb_pc, identifier.nb_classes)
    return identifier


def detect(text: str, fallback: str = "en") -> str:
    """The language of ``text``; ``fallback`` (e.g. the conversation's language) when unsure."""
    text = (text or "").strip()
    if not text:
        return fallback
    lang, confidence = _identifier().classify(text[:2000])
    return lang if confidence >= MIN_CONFIDENCE else fallback
