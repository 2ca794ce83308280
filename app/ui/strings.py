"""Interface strings from ``strings.json``, looked up by name: ``strings("id")["send"]``.

A missing name or language raises at once (KeyError) instead of falling back to English, so a
typo or a string added to one language only cannot ship unnoticed.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

STRINGS_FILE = Path(__file__).with_name("strings.json")
DEFAULT_LANGUAGE = "en"


class Strings(dict):
    """One language's strings; ``[name]`` raises a KeyError naming the file when it is missing."""

    def __init__(self, lang: str, values: dict[str, str]):
        super().__init__(values)
        self.lang = lang

    def __missing__(self, name):
        raise KeyError(f"no interface string {name!r} for language {self.lang!r} in {STRINGS_FILE}")


@cache
def _all() -> dict[str, Strings]:
    table = json.loads(STRINGS_FILE.read_text(encoding="utf-8"))
    names = set(table[DEFAULT_LANGUAGE])
    for lang, values in table.items():
        if set(values) != names:
            raise KeyError(
                f"{STRINGS_FILE}: {lang!r} differs from {DEFAULT_LANGUAGE!r} in "
                f"{sorted(set(values) ^ names)}: every language needs every string"
            )
    return {lang: Strings(lang, values) for lang, values in table.items()}


def strings(lang: str) -> Strings:
    table = _all()
    if lang not in table:
        raise KeyError(f"no interface strings for language {lang!r} (known: {', '.join(table)})")
    return table[lang]


def languages() -> list[str]:
    return list(_all())
