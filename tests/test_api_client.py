"""The HTTP API through gradio_client, against the demo served on loopback: /answer and the
library endpoints /add_article, /articles, /remove_article."""

import pytest
from gradio_client import Client

from tests.conftest import demo_server

pytestmark = pytest.mark.slow

FESTIVAL_TITLE = "Festival Layang-layang Bali"
FESTIVAL_TEXT = "Festival layang-layang digelar di Pantai Padanggalak pada 12 Juli 2025. Ratusan peserta datang."
FESTIVAL_QUESTION = "Kapan festival layang-layang digelar?"


@pytest.fixture(scope="module")
def client(real_embedder, tmp_path_factory):
    with demo_server(real_embedder, tmp_path_factory.mktemp("api-home")) as (url, _):
        yield Client(url, verbose=False)


def test_answer_endpoint_returns_the_structured_result(client):
    result = client.predict("Kapan latihan bersama di Samudra Arktik dilaksanakan?", [], "auto", api_name="/answer")
    assert result["answerable"] and result["language"] == "id"
    assert "3 Oktober 2024" in result["text"] and result["citations"][0]["n"] == 1
    refused = client.predict("What is the capital of Australia?", [], "auto", api_name="/answer")
    assert refused["answerable"] is False and refused["citations"] == []
    follow = client.predict(
        "Where was it held?",
        [["When was the Arctic exercise?", "3 October 2024 [1]"]],
        "extractive",
        api_name="/answer",
    )
    assert follow["answerable"] and follow["citations"][0]["start"] > 0  # what it cites: test_answers.py


def test_add_list_answer_remove_through_the_library_endpoints(client):
    def ask():
        return client.predict(FESTIVAL_QUESTION, [], "extractive", api_name="/answer")

    assert ask()["answerable"] is False  # only the article added below answers it
    bundled = client.predict(api_name="/articles")
    assert [(a["id"], a["kind"]) for a in bundled] == [("china-rusia-pertahanan", "bundled")]
    assert bundled[0]["chunks"] > 0 and set(bundled[0]) == {"id", "title", "kind", "chunks"}

    added = client.predict(FESTIVAL_TITLE, FESTIVAL_TEXT, api_name="/add_article")
    assert added == {"id": "festival-layang-layang-bali", "title": FESTIVAL_TITLE, "chunks": 1}
    listed = client.predict(api_name="/articles")
    assert {"id": added["id"], "title": FESTIVAL_TITLE, "kind": "added", "chunks": 1} in listed and len(listed) == 2

    answer = ask()
    assert answer["answerable"] and "12 Juli 2025" in answer["text"]
    assert answer["citations"][0]["title"] == FESTIVAL_TITLE

    removed = client.predict(added["id"], api_name="/remove_article")
    assert removed == {"id": added["id"], "title": FESTIVAL_TITLE}
    assert client.predict(api_name="/articles") == bundled
    assert ask()["answerable"] is False


@pytest.mark.parametrize(
    "api_name, args, message",
    [
        ("/add_article", ("Judul", "   "), "no text"),
        ("/add_article", ("", "Isi berita."), "needs a title"),
        ("/remove_article", ("no-such-article",), "no added article has the id"),
        ("/remove_article", ("china-rusia-pertahanan",), "bundled article"),
    ],
)
def test_refusals_come_back_as_one_error_line(client, api_name, args, message):
    result = client.predict(*args, api_name=api_name)
    assert set(result) == {"error"} and message in result["error"] and "\n" not in result["error"]
    assert "Traceback" not in result["error"]
    assert [a["id"] for a in client.predict(api_name="/articles")] == ["china-rusia-pertahanan"]  # nothing changed
