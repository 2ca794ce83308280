"""CLI: ``python -m index build [--rebuild]``, ``search "QUESTION" [-k N]``, ``eval [--dataset FILE]``,
``add FILE``, ``remove ID``, ``list [--json]``."""

from __future__ import annotations

import argparse
import sys

from index.errors import run_cli


def _common() -> argparse.ArgumentParser:
    """Flags every command takes, before or after the subcommand (``--home D build`` = ``build --home D``).

    They default to SUPPRESS: a flag not given sets nothing, so the subcommand's parser (which
    parses the words after the subcommand) cannot overwrite a value given before it with None.
    """
    common = argparse.ArgumentParser(add_help=False, argument_default=argparse.SUPPRESS)
    common.add_argument("--model", dest="embed_model", help="sentence-transformers model folder (default: bundled e5)")
    common.add_argument("--encoder", choices=["onnx", "torch"], help="engine for the default model (default onnx)")
    common.add_argument("--articles", dest="articles_dir", help="folder of bundled articles (.txt/.md)")
    common.add_argument("--home", help="folder for all state (BERITA_HOME)")
    common.add_argument("--chroma-host", help="use a Chroma server at this host instead of the local folder")
    common.add_argument("--chroma-port", type=int, help="Chroma server port (default 8000)")
    return common


def _parser() -> argparse.ArgumentParser:
    common = _common()
    parser = argparse.ArgumentParser(
        prog="python -m index", parents=[common], description="Build and query the article index."
    )
    sub = parser.add_subparsers(dest="command", required=True)

    def command(name: str, help: str) -> argparse.ArgumentParser:
        """A subcommand that also takes the common flags."""
        return sub.add_parser(name, parents=[common], help=help)

    build = command("build", "index the articles (idempotent)")
    build.add_argument("--rebuild", action="store_true", help="drop the collection and index everything again")
    search = command("search", "print ranked passages for a question")
    search.add_argument("question")
    search.add_argument("-k", type=int, default=None, dest="top_k", help="number of passages (default 4)")
    ev = command("eval", "retrieval recall@1, recall@3 and MRR on a dataset")
    ev.add_argument("--dataset", help="JSONL file (default: data/eval/dev.jsonl)")
    add = command("add", "add an article: a .txt or .md file whose first line is the title")
    add.add_argument("file")
    remove = command("remove", "remove an added article by its id (see list)")
    remove.add_argument("id")
    listing = command("list", "list the indexed articles: id, kind, passages, title")
    listing.add_argument("--json", action="store_true", help="one JSON object per article")
    return parser


def main(argv: list[str] | None = None) -> int:
    return run_cli(_run, _parser().parse_args(argv))


def _run(args) -> int:
    from index.settings import Settings

    flags = {
        k: getattr(args, k, None)
        for k in ("embed_model", "encoder", "articles_dir", "home", "chroma_host", "chroma_port", "top_k")
    }
    settings = Settings.load(**flags)
    if args.command == "search" and not args.question.strip():
        from index.errors import InputError

        raise InputError('the question is empty: python -m index search "When was the Arctic exercise?"')

    if args.command == "add":
        _check_upload(args.file)
    from tqdm import tqdm

    from index.service import open_index

    idx = open_index(settings)
    if args.command == "build":
        report = idx.build(rebuild=args.rebuild, progress=lambda docs: tqdm(docs, desc="indexing", unit="article"))
        print(f"{report.summary()} -> collection {idx.store.name}")
        return 0
    idx.ensure_built()
    if args.command == "add":
        article = idx.add_file(args.file)
        print(f"added {article.id} ({article.chunks} passages): {article.title}")
        return 0
    if args.command == "remove":
        article = idx.remove_article(args.id)
        print(f"removed {article.id}: {article.title}")
        return 0
    if args.command == "list":
        import json

        for article in idx.articles():
            if args.json:
                print(json.dumps(article.to_dict(), ensure_ascii=False))
            else:
                print(f"{article.id}\t{article.kind}\t{article.chunks}\t{article.title}")
        return 0
    if args.command == "search":
        for rank, hit in enumerate(idx.retriever.search(args.question, k=settings.top_k), start=1):
            dense = "-" if hit.dense is None else f"{hit.dense:.3f}"
            print(
                f"{rank}. score={hit.score:.4f} dense={dense} bm25={hit.lexical:.2f} "
                f"[{hit.chunk.doc_id} ¶{hit.chunk.paragraph} {hit.chunk.start}:{hit.chunk.end}]"
            )
            print(f"   {hit.chunk.text}")
        return 0
    from index.dataset import DEFAULT_DATASET, load_examples
    from index.metrics import evaluate_retrieval

    report = evaluate_retrieval(idx.retriever, load_examples(args.dataset or DEFAULT_DATASET))
    print("\n".join(report.lines()))
    return 0


def _check_upload(name: str) -> None:
    """Refuse an unusable file before the model loads (same rules as the UI's upload)."""
    from pathlib import Path

    from index.documents import load_file

    load_file(Path(name))


if __name__ == "__main__":
    sys.exit(main())
