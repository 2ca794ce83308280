"""Fit the reader: ``python -m app.qa.train_reader``.

Listwise: for each question, every sentence of its article and a "no answer" option compete in
one softmax; the target is the sentences holding its evidence (their summed probability), or
"no answer" for a question the article does not answer. The bottom layers' output is computed
once per text; each step runs the trained top layers over one question and its sentences.
Deterministic: fixed seeds, a fixed order, deterministic kernels.
"""

from __future__ import annotations

import math
import random
import time
from dataclasses import dataclass

import numpy as np

from app.qa.reader.data import ReadingExample

MAX_TOKENS = 256  # longer sentences are cut (news sentences run 20-80 tokens)
# Sentences per step: the positives, then the base model's likeliest wrong ones, then a sample.
# Hand-set, not compared: about what retrieval hands the answerer (6 chunks of 1-3 sentences),
# and the step's cost grows with it.
MAX_SENTENCES = 16
HARD = 12  # of those, chosen by the base model's score (retrieval hands the answerer such near misses)
LR_LAYERS = 2e-5  # the probe's rate for the transformer layers (AdamW)
LR_HEAD = 1e-3  # the scale and the "no answer" head start from hand-set values and move faster
EPOCHS = 2  # held out: top-1 0.749 after one epoch, 0.763 after two (2026-12-07)
WARMUP = 0.05
SEED = 13


@dataclass
class Fitted:
    reader: object  # net.Reader
    seconds: float
    steps: int


def load_base(folder):
    import torch
    from transformers import AutoModel, AutoTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    torch.manual_seed(SEED)
    bert = AutoModel.from_pretrained(str(folder), attn_implementation="eager").eval()
    return bert, AutoTokenizer.from_pretrained(str(folder))


class Encoded:
    """Every distinct text's token ids and frozen-part hidden states, computed once."""

    def __init__(self, reader, tokenizer, queries: list[str], passages: list[str], batch: int = 32):
        import torch

        self.index: dict[tuple[str, str], int] = {}
        texts = [("query", t) for t in dict.fromkeys(queries)] + [("passage", t) for t in dict.fromkeys(passages)]
        self.hidden, self.lengths = [None] * len(texts), [0] * len(texts)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i][1]))
        for s in range(0, len(order), batch):
            rows = order[s : s + batch]
            enc = tokenizer([f"{texts[i][0]}: {texts[i][1]}" for i in rows], padding=True, truncation=True,
                            max_length=MAX_TOKENS, return_tensors="pt")
            with torch.no_grad():
                h = reader.frozen_part(enc["input_ids"], enc["attention_mask"])
            for r, i in enumerate(rows):
                n = int(enc["attention_mask"][r].sum())
                self.hidden[i], self.lengths[i] = h[r, :n].clone(), n
        for i, key in enumerate(texts):
            self.index[key] = i

    def batch(self, keys: list[tuple[str, str]]):
        """Padded hidden states and mask for these texts."""
        import torch

        ix = [self.index[k] for k in keys]
        longest = max(self.lengths[i] for i in ix)
        dim = self.hidden[ix[0]].shape[-1]
        hidden = torch.zeros(len(ix), longest, dim)
        mask = torch.zeros(len(ix), longest, dtype=torch.long)
        for r, i in enumerate(ix):
            hidden[r, : self.lengths[i]] = self.hidden[i]
            mask[r, : self.lengths[i]] = 1
        return hidden, mask


def _candidates(ex: ReadingExample, base_scores: np.ndarray, rng: random.Random) -> list[int]:
    n = len(ex.sentences)
    if n <= MAX_SENTENCES:
        return list(range(n))
    wrong = [i for i in np.argsort(-base_scores) if i not in ex.positives]
    keep = list(ex.positives)[:MAX_SENTENCES] + wrong[: max(0, HARD - len(ex.positives))]
    rest = [i for i in range(n) if i not in keep]
    keep += rng.sample(rest, max(0, MAX_SENTENCES - len(keep)))
    return sorted(keep)


def logits_for(reader, encoded: Encoded, ex: ReadingExample, ids: list[int]):
    """The reader's scores of sentences ``ids`` of ``ex`` and of "no answer" (last)."""
    import torch

    hidden, mask = encoded.batch([("query", ex.query)] + [("passage", ex.sentences[i]) for i in ids])
    vectors = reader.top(hidden, mask)
    return reader.logits(vectors[0], vectors[1:]) if vectors.shape[0] > 1 else torch.zeros(1)


def loss_for(logits, ex: ReadingExample, ids: list[int]):
    import torch

    total = torch.logsumexp(logits, 0)
    if not ex.answerable:
        return total - logits[-1]
    pos = [k for k, i in enumerate(ids) if i in ex.positives]
    return total - torch.logsumexp(logits[pos], 0)


def fit(bert, tokenizer, examples: list[ReadingExample], encoded: Encoded | None = None,
        epochs: int = EPOCHS, log=print) -> Fitted:
    import torch

    from app.qa.reader.net import Reader

    torch.manual_seed(SEED)
    torch.use_deterministic_algorithms(True)
    reader = Reader(bert)
    if encoded is None:
        encoded = encode_all(reader, tokenizer, examples)
    base = [z[:-1] for z in predict(reader, encoded, examples)]  # the hard negatives, by e5's own ranking
    head = [reader.log_scale, reader.null_w, reader.null_b]
    layers = [p for p in reader.bert.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW([{"params": layers, "lr": LR_LAYERS}, {"params": head, "lr": LR_HEAD}],
                                  weight_decay=0.01)
    steps = epochs * len(examples)
    warm = max(1, int(WARMUP * steps))
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min(1.0, (s + 1) / warm) * max(0.0, (steps - s) / max(1, steps - warm)))
    rng = random.Random(SEED)
    started, step, running = time.perf_counter(), 0, []
    reader.bert.encoder.layer[reader.first_trained :].train()
    for epoch in range(epochs):
        order = list(range(len(examples)))
        rng.shuffle(order)
        for i in order:
            ex = examples[i]
            ids = _candidates(ex, base[i], rng)
            loss = loss_for(logits_for(reader, encoded, ex, ids), ex, ids)
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(layers + head, 1.0)
            optimizer.step()
            schedule.step()
            step += 1
            running.append(float(loss.detach()))
            if step % 200 == 0:
                log(f"epoch {epoch + 1} step {step}/{steps} loss {np.mean(running[-200:]):.3f} "
                    f"({time.perf_counter() - started:.0f} s)")
    reader.eval()
    return Fitted(reader, time.perf_counter() - started, step)


def encode_all(reader, tokenizer, examples: list[ReadingExample]) -> Encoded:
    return Encoded(reader, tokenizer, [e.query for e in examples], [s for e in examples for s in e.sentences])


def predict(reader, encoded: Encoded, examples: list[ReadingExample], batch: int = 32) -> list[np.ndarray]:
    """Per example: the scores of all its sentences, then "no answer" (last). Each distinct
    text is encoded once (an article's sentences serve all its questions)."""
    import torch

    keys = list(dict.fromkeys([("query", e.query) for e in examples] +
                              [("passage", s) for e in examples for s in e.sentences]))
    keys.sort(key=lambda k: encoded.lengths[encoded.index[k]])
    vectors = {}
    with torch.no_grad():
        for start in range(0, len(keys), batch):
            part = keys[start : start + batch]
            hidden, mask = encoded.batch(part)
            for k, v in zip(part, reader.top(hidden, mask), strict=True):
                vectors[k] = v
        out = []
        for ex in examples:
            sentences = torch.stack([vectors[("passage", s)] for s in ex.sentences])
            out.append(reader.logits(vectors[("query", ex.query)], sentences).numpy().astype(np.float64))
    return out


def scores(examples: list[ReadingExample], logits: list[np.ndarray]) -> dict[str, float]:
    """Top-1 sentence (answerable questions), the "no answer" decision's accuracy at 0.5 and
    its ranking quality (AUC: the chance an unanswerable question's "no answer" probability is
    above an answerable one's), and the log loss."""
    top1, decided, nll, null = [], [], [], []
    for ex, z in zip(examples, logits, strict=True):
        p = np.exp(z - z.max())
        p /= p.sum()
        if ex.answerable:
            top1.append(int(np.argmax(z[:-1])) in ex.positives)
        decided.append((p[-1] > 0.5) == (not ex.answerable))
        null.append((float(p[-1]), not ex.answerable))
        nll.append(-math.log(max(p[-1] if not ex.answerable else p[list(ex.positives)].sum(), 1e-12)))
    return {"top1": round(float(np.mean(top1)), 4), "no_answer_accuracy": round(float(np.mean(decided)), 4),
            "no_answer_auc": _auc(null), "log_loss": round(float(np.mean(nll)), 4), "questions": len(examples)}


def _auc(scored: list[tuple[float, bool]]) -> float | None:
    """The chance a positive is scored above a negative (ties count half); None without both."""
    from sklearn.metrics import roc_auc_score

    labels = [y for _, y in scored]
    if all(labels) or not any(labels):
        return None
    return round(float(roc_auc_score(labels, [p for p, _ in scored])), 4)
