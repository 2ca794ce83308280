"""The evaluation dataset format (see README): one JSON object per line."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from index.errors import InputError
from index.settings import PROJECT_ROOT

EVAL_DIR = PROJECT_ROOT / "data" / "eval"
DEFAULT_DATASET = EVAL_DIR / "dev.jsonl"
EVAL_ARTICLES = EVAL_DIR / "articles"  # articles named by a question's ``articles`` field
# what ``python -m app eval`` scores when no dataset is named; each is reported on its own.
# The frozen test split is read only with ``--test`` (aggregates only, logged).
DEFAULT_DATASETS = [EVAL_DIR / f"{name}.jsonl" for name in ("dev", "calibration", "tune", "reader")]
TEST_DATASET = EVAL_DIR / "test.jsonl"
TEST_LOG = EVAL_DIR / "test-log.jsonl"
KINDS = ("factoid", "open", "list", "yesno", "followup", "unanswerable")


@dataclass(frozen=True)
class Example:
    id: str
    question: str
    history: list = field(default_factory=list)
    lang: str = ""
    answerable: bool = True
    expect: list = field(default_factory=list)
    evidence: list = field(default_factory=list)
    articles: tuple = ()  # article ids under data/eval/articles; empty: the bundled library
    kind: str = ""  # one of KINDS, when the dataset says
    answer: str | None = None  # a factoid's exact answer span inside its evidence, when the dataset says


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
                    articles=tuple(str(a) for a in raw.get("articles") or ()),
                    kind=str(raw.get("kind", "")),
                    answer=raw.get("answer"),
                )
            )
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise InputError(
                f"{path}:{number}: not a valid example ({exc}): each line needs at least 'question'"
            ) from None
    return examples
