"""The evaluation data: the frozen test split stays frozen, and every dataset is well formed."""

import hashlib
import json
import re
from collections import Counter

import pytest

from index.dataset import EVAL_ARTICLES, EVAL_DIR, KINDS, load_examples

# Written blind and committed before the answerer it judges changed; never edited since.
TEST_SHA256 = "db853da0533c7602d6ac0ea48b75085568aef37668819da718495bc265cb1ebe"


def test_the_test_split_is_frozen():
    assert hashlib.sha256((EVAL_DIR / "test.jsonl").read_bytes()).hexdigest() == TEST_SHA256


@pytest.mark.parametrize("name", ["tune", "test"])
def test_split_datasets_are_well_formed(name):
    examples = load_examples(EVAL_DIR / f"{name}.jsonl")
    per_article = Counter()
    unanswerable = Counter()
    for ex in examples:
        assert ex.kind in KINDS and ex.lang in ("id", "en") and len(ex.articles) == 1
        article = (EVAL_ARTICLES / f"{ex.articles[0]}.txt").read_text(encoding="utf-8")
        per_article[ex.articles[0]] += 1
        unanswerable[ex.articles[0]] += not ex.answerable
        if ex.answerable:
            assert ex.expect and all(e in article for e in ex.evidence), ex.id
            for group in ex.expect:
                for pattern in group:
                    re.compile(pattern)
        else:
            assert ex.expect == [] and ex.evidence == [], ex.id
    assert len(per_article) >= 6 and min(per_article.values()) >= 20 and min(unanswerable.values()) >= 4


def test_tune_and_test_share_no_article():
    def articles(name):
        return {json.loads(line)["articles"][0] for line in (EVAL_DIR / f"{name}.jsonl").read_text().splitlines()}

    assert not articles("tune") & articles("test")
