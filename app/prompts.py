"""Prompts and fixed replies as plain files in ``prompts/``, loaded by name, rendered strictly.

``NAME.LANG.txt`` holds a language-specific text, ``NAME.txt`` a shared one. Variables
are ``${name}``; a missing variable raises ``PromptError`` instead of leaving a blank.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from string import Template

from index.errors import BeritaError
from index.settings import PROJECT_ROOT

PROMPTS_DIR = PROJECT_ROOT / "prompts"


class PromptError(BeritaError):
    """A prompt file is missing or was rendered without one of its variables."""


@cache
def _load(path: Path) -> Template:
    if not path.is_file():
        raise PromptError(f"prompt file {path.name} is missing from {path.parent}: restore it from git")
    return Template(path.read_text(encoding="utf-8").rstrip("\n"))


def render(name: str, lang: str | None = None, **variables) -> str:
    path = PROMPTS_DIR / (f"{name}.{lang}.txt" if lang else f"{name}.txt")
    template = _load(path)
    try:
        return template.substitute(variables)
    except KeyError as exc:
        raise PromptError(f"prompt {path.name} needs the variable {exc.args[0]!r}") from None
    except ValueError as exc:
        raise PromptError(f"prompt {path.name} is malformed: {exc}") from None
