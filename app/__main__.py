"""CLI: ``python -m app`` (the chat UI), ``ask "QUESTION"``, ``eval``, ``loadtest --users N --seconds S``, ``bench``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from index.errors import run_cli


def _common() -> argparse.ArgumentParser:
    """Flags every command takes, before or after the subcommand (``--home D ask Q`` = ``ask Q --home D``).

    They default to SUPPRESS: a flag not given sets nothing, so the subcommand's parser (which
    parses the words after the subcommand) cannot overwrite a value given before it with None.
    """
    common = argparse.ArgumentParser(add_help=False, argument_default=argparse.SUPPRESS)
    common.add_argument("--home", help="folder for all state (BERITA_HOME)")
    common.add_argument("--model", dest="embed_model", help="sentence-transformers model folder")
    common.add_argument("--encoder", choices=["onnx", "torch"], help="engine for the default model (default onnx)")
    common.add_argument("--articles", dest="articles_dir", help="folder of bundled articles")
    common.add_argument("--chroma-host", help="Chroma server host (default: embedded store)")
    common.add_argument("--chroma-port", type=int, help="Chroma server port")
    common.add_argument("-k", "--top-k", type=int, dest="top_k", help="passages retrieved per question")
    common.add_argument("--llm-base-url", help="OpenAI-compatible server, e.g. http://127.0.0.1:8080/v1")
    common.add_argument("--llm-model", help="model name on that server")
    common.add_argument("--llm-api-key", help="API key for that server")
    common.add_argument("--llm-gguf", help="a local GGUF file run with llama.cpp")
    common.add_argument("--llm-timeout", type=float, help="seconds before falling back to the offline answer")
    common.add_argument(
        "--backend", choices=["auto", "extractive", "llm"], help="extractive: never use the chat model (default auto)"
    )
    return common


def _parser() -> argparse.ArgumentParser:
    common = _common()
    parser = argparse.ArgumentParser(
        prog="python -m app", parents=[common], description="Chat with a news article, with cited sentences."
    )
    parser.add_argument("--host", help="UI address (default 127.0.0.1)")
    parser.add_argument("--port", type=int, help="UI port (default 7860)")
    parser.add_argument("--auth", help="user:password required to open the UI")
    sub = parser.add_subparsers(dest="command")

    def command(name: str, help: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, parents=[common], help=help)

    ask = command("ask", "answer one question (or a batch) in the terminal")
    ask.add_argument("question", nargs="?", default=None)
    ask.add_argument("--json", action="store_true", help="print the structured result as JSON")
    ask.add_argument("--history", help="JSON file: [[question, answer], ...] of earlier turns")
    ask.add_argument("--batch", help="JSONL file of {id, question, history}; one JSON result per line")
    ev = command("eval", "score a dataset: accuracy, citations, latency")
    ev.add_argument(
        "--dataset", action="append", help="JSONL file; repeatable (default: dev, calibration, tune and test sets)"
    )
    ev.add_argument("--failures", action="store_true", help="list every question answered wrongly")
    ev.add_argument("--test", action="store_true",
                    help="score the frozen test split only: aggregates, appended to data/eval/test-log.jsonl")
    load = command("loadtest", "many users asking over HTTP while articles are added and removed")
    load.add_argument("--users", type=int, default=20, help="concurrent users (default 20)")
    load.add_argument("--seconds", type=float, default=60, help="how long to run (default 60)")
    load.add_argument(
        "--change-every",
        type=float,
        default=1.0,
        help="seconds between library changes (add, then remove); 0: none (default 1)",
    )
    load.add_argument(
        "--pool", type=int, default=3, help="how many evaluation articles the changes cycle through (default 3)"
    )
    load.add_argument("--url", help="drive this running server instead of starting one")
    load.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    bench = command("bench", "indexing, retrieval, answer, start and memory figures in a temporary home")
    bench.add_argument("--chunks", type=int, default=10_000, help="chunks in the corpus (default 10000)")
    bench.add_argument("--sample", type=int, default=2_000,
                       help="chunks indexed by each of the three compared pipelines (default 2000)")
    bench.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    return parser


FLAGS = (
    "home",
    "embed_model",
    "encoder",
    "articles_dir",
    "chroma_host",
    "chroma_port",
    "top_k",
    "llm_base_url",
    "llm_model",
    "llm_api_key",
    "llm_gguf",
    "llm_timeout",
    "host",
    "port",
    "auth",
)


def main(argv: list[str] | None = None) -> int:
    return run_cli(_run, _parser().parse_args(argv))


def _run(args) -> int:
    from index.settings import Settings

    settings = Settings.load(**{k: getattr(args, k, None) for k in FLAGS})
    if args.command is None:
        from app.ui import serve

        return serve(settings)
    if args.command == "ask":
        return _ask(args, settings)
    if args.command == "loadtest":
        return _loadtest(args, settings)
    if args.command == "bench":
        return _bench(args, settings)
    return _eval(args, settings)


def _loadtest(args, settings) -> int:
    from app import loadtest
    from index.errors import InputError

    if args.users < 1 or args.seconds <= 0 or args.change_every < 0 or args.pool < 1:
        raise InputError("--users and --pool must be at least 1, --seconds positive, --change-every 0 or more")
    if args.url:
        report = loadtest.run(args.url, args.users, args.seconds, args.change_every, args.pool)
    else:
        report = loadtest.serve_and_run(settings, args.users, args.seconds, args.change_every, args.pool)
    loadtest.print_report(report, args.json)
    return 1 if report["errors"] or report["library_errors"] else 0


def _bench(args, settings) -> int:
    from app import bench
    from index.errors import InputError

    if args.chunks < 1 or not 1 <= args.sample <= args.chunks:
        raise InputError("--chunks must be at least 1 and --sample between 1 and --chunks")
    report = bench.run(settings, args.chunks, args.sample, progress=lambda m: print(m, file=sys.stderr, flush=True))
    bench.print_report(report, args.json)
    return 0


def _backend(args) -> str | None:
    backend = getattr(args, "backend", "auto")  # absent when not given (SUPPRESS)
    return None if backend == "auto" else backend


def _ask(args, settings) -> int:
    from index.dataset import load_examples
    from index.errors import InputError

    if args.batch is None and (args.question is None or not args.question.strip()):
        raise InputError('the question is empty: python -m app ask "When was the Arctic exercise?"')
    history = []
    if args.history:
        try:
            history = json.loads(Path(args.history).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise InputError(
                f"cannot read history file {args.history} ({exc}): give [[question, answer], ...]"
            ) from None
    examples = load_examples(Path(args.batch)) if args.batch else None
    from app.service import build_assistant

    assistant = build_assistant(settings)
    if examples is not None:
        for ex in examples:
            answer = assistant.ask(ex.question, ex.history, backend=_backend(args))
            print(json.dumps({"id": ex.id, **answer.to_dict()}, ensure_ascii=False), flush=True)
        return 0
    answer = None
    for kind, value in assistant.stream(args.question, history, backend=_backend(args)):
        if kind == "token" and not args.json:
            print(value, end="", flush=True)
        elif kind == "replace" and not args.json:
            print(f"\n{value}", end="")
        elif kind == "done":
            answer = value
    if args.json:
        print(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2))
        return 0
    print()
    for note in answer.notices:
        print(f"note: {note}")
    for c in answer.citations:
        print(f"[{c.n}] {c.title}, ¶{c.paragraph} ({c.start}:{c.end}): {c.text}")
    for c in answer.related:
        print(f"related: ¶{c.paragraph} ({c.start}:{c.end}): {c.text}")
    return 0


def _eval(args, settings) -> int:
    from app.eval import ROW_HEADER, ArticleSets, evaluate_dataset
    from app.qa.word_table import common_words
    from app.service import build_assistant, shipped_reader, word_table
    from index.dataset import DEFAULT_DATASETS, TEST_DATASET, load_examples
    from index.embeddings import load_embedder
    from index.errors import InputError

    if args.test and (args.dataset or args.failures):
        raise InputError("--test reads the frozen test split alone, as aggregates: drop --dataset and --failures")
    paths = [TEST_DATASET] if args.test else args.dataset or [p for p in DEFAULT_DATASETS if p.is_file()]
    datasets = [(Path(p), load_examples(Path(p))) for p in paths]  # bad files fail before the model loads
    embedder = load_embedder(settings)
    reader = shipped_reader(settings, embedder)  # one for every article set (each has its own home)
    bundled = build_assistant(settings, embedder=embedder, reader=reader)
    # questions look their words up in the common-word table, as the server's do (built once)
    table = word_table(settings, bundled.index)
    bundled.scorer.use_word_table(table, common_words)

    def assistant_for_set(set_settings):
        assistant = build_assistant(set_settings, embedder=embedder, reader=reader)
        assistant.scorer.use_word_table(table)
        return assistant

    sets = ArticleSets(settings, assistant_for_set)
    try:
        for path, examples in datasets:
            reports = evaluate_dataset(examples, lambda a: sets.assistant(a) if a else bundled, backend=_backend(args))
            overall = None
            for report in reports.values():
                overall = report if overall is None else overall.merge(report)
            print(f"== {path.name} ==")
            if args.test:
                _log_test_read(overall)
                print("\n".join(overall.lines(failures=False)))
                continue
            if len(reports) > 1:
                print(ROW_HEADER)
                for name, report in reports.items():
                    print(report.row(name))
            print("\n".join(overall.lines(failures=args.failures)))
            print()
    finally:
        sets.close()
    return 0


def _log_test_read(report) -> None:
    """Each read of the frozen test split leaves a line: date, commit, the figures printed."""
    import datetime
    import json
    import subprocess

    from index import dataset
    from index.settings import PROJECT_ROOT

    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                            cwd=PROJECT_ROOT).stdout.strip()
    dirty = bool(subprocess.run(["git", "status", "--porcelain", "--", "app", "index"], capture_output=True,
                                text=True, cwd=PROJECT_ROOT).stdout.strip())
    line = {"date": datetime.datetime.now().isoformat(timespec="seconds"), "commit": commit, "dirty": dirty,
            "questions": report.n, **{k: round(v, 4) for k, v in report.metrics().items()}}
    with open(dataset.TEST_LOG, "a", encoding="utf-8") as out:
        out.write(json.dumps(line) + "\n")


if __name__ == "__main__":
    sys.exit(main())
