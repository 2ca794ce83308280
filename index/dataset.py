"""The evaluation dataset format (see README): one JSON object per line."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from index.errors import InputError
from index.settings import PROJECT_ROOT

DEFAULT_DATASET = PROJECT_ROOT / "data" / "eval" / "dev.jsonl"


@dataclass(frozen=True)
class Example:
    id: str
    question: str
    history: list = field(default_factory=list)
    lang: str = ""
    answerable: bool = True
    expect: list = field(default_factory=list)
    evidence: list = field(default_factory=list)


def load_examples(path: Path) -> list[Example]:
    path = Path(path)
    if not path.is_file():
        raise InputError(f"dataset {path} not found: give a .jsonl file (see README, 'Dataset format')")
    examples = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            examples.append(
                Example(
                    id=str(raw.get("id", number)),
                    question=str(raw["question"]),
                    history=raw.get("history") or [],
                    lang=raw.get("lang", ""),
                    answerable=bool(raw.get("answerable", True)),
                    expect=raw.get("expect") or [],
                    evidence=raw.get("evidence") or [],
                )
            )
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise InputError(
                f"{path}:{number}: not a valid example ({exc}): each line needs at least 'question'"
            ) from None
    return examples
