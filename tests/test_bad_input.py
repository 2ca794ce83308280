"""The bad-input suite (issue 8): every hostile or malformed input gets a clear reply or one
line, over the answerer, the CLI, the HTTP API and the browser; no traceback, no executed
markup, no article lost."""

import json
import os
import subprocess
import sys

import pytest
from gradio_client import Client

from app import render
from app.prompts import render as prompt
from index.errors import InputError
from index.settings import PROJECT_ROOT
from tests.bad_inputs import BAD_UPLOADS, CONTENTLESS, HISTORIES, QUESTIONS
from tests.conftest import demo_server

pytestmark = pytest.mark.slow
MARKUP = ("<img", "<script", "javascript:", "onerror=")


@pytest.mark.parametrize("name", sorted(QUESTIONS))
def test_every_bad_question_gets_a_reply(real_assistant, name):
    answer = real_assistant.ask(QUESTIONS[name], backend="extractive")
    assert answer.text.strip()
    if name in CONTENTLESS:
        assert answer.text == prompt("empty_question", answer.language) and not answer.answerable
    shown = render.answer_markdown(answer, 0)
    assert not any(m in shown.lower() for m in MARKUP), shown  # what the chat shows is escaped
    assert "HACKED" not in answer.text
    for c in answer.citations:
        assert real_assistant.index.documents()[c.doc_id].text[c.start : c.end] == c.text


@pytest.mark.parametrize("name", sorted(HISTORIES))
def test_malformed_history_is_one_clear_line_or_ignored(real_assistant, name):
    try:
        answer = real_assistant.ask("Siapa yang ditemui Belousov?", HISTORIES[name], backend="extractive")
    except InputError as exc:
        assert str(exc) == "history must be a list of [question, answer] pairs"
    else:
        assert answer.text.strip()


@pytest.mark.parametrize("backend, k", [("nope", None), ("auto", 0), ("auto", 10**9), ("auto", "3")])
def test_unknown_backend_and_bad_k_are_refused_by_name(real_assistant, backend, k):
    with pytest.raises(InputError, match="unknown backend 'nope'|k must be a whole number"):
        real_assistant.ask("When was the Arctic exercise?", backend=backend, k=k)


# -- CLI ------------------------------------------------------------------------------
def cli(args, home, model_home, **kw):
    from index.embeddings import DEFAULT_MODEL_ID

    env = dict(os.environ, BERITA_HOME=str(home), BERITA_EMBED_MODEL=str(model_home / "models" / DEFAULT_MODEL_ID))
    return subprocess.run([sys.executable, "-m", *args], env=env, cwd=PROJECT_ROOT, capture_output=True,
                          text=True, timeout=600, **kw)


def test_cli_answers_every_bad_question_in_one_batch(tmp_path, model_home, real_embedder):
    batch = tmp_path / "bad.jsonl"
    batch.write_text("".join(json.dumps({"id": n, "question": q}) + "\n" for n, q in QUESTIONS.items()))
    done = cli(["app", "ask", "--batch", str(batch), "--backend", "extractive"], tmp_path / "home", model_home)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr[-2000:]
    results = {r["id"]: r for r in map(json.loads, done.stdout.splitlines())}
    assert set(results) == set(QUESTIONS) and all(r["text"].strip() for r in results.values())


@pytest.mark.parametrize(
    "args, message",
    [
        (["app", "ask", ""], "the question is empty"),
        (["app", "ask", " \t "], "the question is empty"),
        (["app", "ask", "hi", "--backend", "nope"], "invalid choice: 'nope'"),
        (["app", "ask", "hi", "--history", "/nonexistent.json"], "cannot read history file"),
        (["index", "add", "/nonexistent.txt"], "no such file"),
    ],
)
def test_cli_refusals_are_one_line(tmp_path, model_home, args, message):
    done = cli(args, tmp_path / "home", model_home)
    assert done.returncode == 2 and message in done.stderr and "Traceback" not in done.stderr, done.stderr
    assert done.stderr.strip().splitlines()[-1].startswith(("error:", "usage:", "python -m")) or len(
        done.stderr.strip().splitlines()) <= 3


@pytest.mark.parametrize("name", sorted(HISTORIES))
def test_cli_malformed_history_file(tmp_path, model_home, real_embedder, name):
    history = tmp_path / "history.json"
    history.write_text(json.dumps(HISTORIES[name]))
    done = cli(["app", "ask", "Siapa yang ditemui Belousov?", "--history", str(history)], tmp_path / "home",
               model_home)
    assert "Traceback" not in done.stderr
    assert done.returncode == 0 or done.stderr.strip() == "error: history must be a list of [question, answer] pairs"


@pytest.mark.parametrize("name", sorted(BAD_UPLOADS))
def test_cli_bad_uploads_change_nothing(tmp_path, model_home, real_embedder, name):
    path = tmp_path / name
    path.write_bytes(BAD_UPLOADS[name])
    home = tmp_path / "home"
    before = cli(["index", "list"], home, model_home)
    done = cli(["index", "add", str(path)], home, model_home)
    assert done.returncode == 2 and done.stderr.startswith("error: ") and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert cli(["index", "list"], home, model_home).stdout == before.stdout


# -- HTTP API --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def api(real_embedder, tmp_path_factory):
    with demo_server(real_embedder, tmp_path_factory.mktemp("bad-api-home")) as (url, _):
        yield Client(url, verbose=False)


def test_api_answers_every_bad_question_and_history(api):
    for name, question in QUESTIONS.items():
        result = api.predict(question, [], "auto", api_name="/answer")
        assert result.get("text", "").strip() or result.get("error"), name
        assert "Traceback" not in json.dumps(result), name
    for name, history in HISTORIES.items():
        result = api.predict("Siapa yang ditemui Belousov?", history, "auto", api_name="/answer")
        assert result.get("text") or result == {"error": "history must be a list of [question, answer] pairs"}, name
    assert api.predict("When?", [], "nope", api_name="/answer") == {
        "error": "unknown backend 'nope': use auto, extractive or llm"
    }


def test_api_bad_articles_are_refused_and_nothing_is_lost(api):
    added = api.predict("Festival Layang-layang", "Festival digelar pada 12 Juli 2025.", api_name="/add_article")
    before = api.predict(api_name="/articles")
    assert {"china-rusia-pertahanan", added["id"]} <= {a["id"] for a in before}
    bad = [
        ("", "Teks."),
        ("Judul", ""),
        ("Judul", " \n\t "),
        ("Judul", "kata " * 60_000),
        ("\x00\x01", "\x00" * 100),
        ("Festival Layang-layang", "Teks lain."),  # duplicate id
        ("Judul lain", "Festival digelar pada 12 Juli 2025."),  # duplicate text
    ]
    for title, text in bad:
        result = api.predict(title, text, api_name="/add_article")
        assert set(result) == {"error"} and "\n" not in result["error"], (title[:20], result)
    for doc_id in ("", "china-rusia-pertahanan", "no-such-id", "../../etc/passwd"):
        result = api.predict(doc_id, api_name="/remove_article")
        assert set(result) == {"error"}, (doc_id, result)
    assert api.predict(api_name="/articles") == before
    answer = api.predict("Kapan festival digelar?", [], "auto", api_name="/answer")
    assert "12 Juli 2025" in answer["text"]
