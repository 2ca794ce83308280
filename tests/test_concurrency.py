"""Questions while articles are added and removed, with the real model: never an error (issue 8)."""

import threading

import pytest

from app.qa.pipeline import Assistant
from index.service import open_index
from index.settings import Settings
from tests.conftest import ARTICLE

pytestmark = pytest.mark.slow
QUESTIONS = ["When was the Arctic exercise?", "Siapa yang ditemui Belousov?", "Berapa korban banjir?"]
FLOOD = "Hujan deras merendam 120 rumah warga pada Senin (3/2). Sebanyak 4 orang meninggal dunia akibat banjir."


def test_answers_during_library_changes_are_whole(real_embedder, tmp_path):
    index = open_index(Settings.load(env={}, home=tmp_path / "home"), embedder=real_embedder)
    index.build()
    assistant = Assistant(index)
    bundled = ARTICLE.read_text(encoding="utf-8")
    errors, answers, done = [], [], threading.Event()

    def ask(n):
        while not done.is_set():
            try:
                answer = assistant.ask(QUESTIONS[n % len(QUESTIONS)], backend="extractive")
                assert answer.text
                for c in answer.citations:
                    if c.doc_id == "china-rusia-pertahanan":
                        assert bundled[c.start : c.end] == c.text
                answers.append(answer)
            except Exception as exc:  # collected; the assertion below names the first
                errors.append(repr(exc))
            n += 1

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(3)]
    for t in threads:
        t.start()
    try:
        i = 0
        while i < 4 or (len(answers) <= 10 and i < 40):  # changes go on until enough answers overlapped them
            info = index.add_article(f"Banjir Kota {i}", FLOOD.replace("120", str(120 + i)))
            index.remove_article(info.id)
            i += 1
    finally:
        done.set()
        for t in threads:
            t.join()
    assert errors == [] and len(answers) > 10
