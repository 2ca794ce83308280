"""Gradio handlers called directly, with the real model and a Chroma folder in tmp."""

import re

import pytest

from app.qa.pipeline import Assistant
from app.render import answer_markdown
from app.ui import LABELS, ChatUI
from index.service import open_index
from index.settings import Settings

pytestmark = pytest.mark.slow

NEW_ARTICLE = (
    "Festival Layang-layang Bali\nFestival layang-layang digelar di Pantai Padanggalak pada 12 Juli 2025. "
    "Ratusan peserta datang dari seluruh Bali."
)


@pytest.fixture
def ui(real_embedder, tmp_path):
    settings = Settings.load(env={}, home=tmp_path / "home")
    index = open_index(settings, embedder=real_embedder)
    index.build()
    return ChatUI(Assistant(index), settings)


def run(ui, question, turns=None, chat=None, backend="extractive", k=4, details=False, lang="en"):
    return list(ui.respond(question, chat or [], turns or [], backend, k, details, lang))


def test_respond_streams_user_message_first_then_the_cited_answer(ui):
    updates = run(ui, "When was the Arctic exercise?")
    first_chat = updates[0][0]
    assert first_chat[0] == {"role": "user", "content": "When was the Arctic exercise?"}
    chat, box, sources, article, turns = updates[-1]
    assert box == "" and len(turns) == 1
    offline = ui.assistant.ask("When was the Arctic exercise?", backend="extractive")
    assert chat[-1]["content"] == answer_markdown(offline, 0) and "3 O" in chat[-1]["content"]
    assert chat[-1]["content"].endswith("[\\[1\\]](#cite-0-1)")
    assert 'data-cite="0-1"' in sources
    assert 'class="cited active"' in article and "Samudra Arktik pada 3 Oktober 2024.</mark>" in article


def test_follow_up_uses_earlier_turns(ui):
    *_, (chat, _, _, _, turns) = run(ui, "When was the Arctic exercise?")
    *_, (chat, _, _, _, turns) = run(ui, "Where was it held?", turns, chat)
    assert len(turns) == 2 and "Arktik" in chat[-1]["content"]


def test_refusal_looks_different_and_offers_related_passages(ui):
    *_, (chat, _, sources, _, _) = run(ui, "How many ships took part?")
    assert chat[-1]["content"].startswith("> The article does not say")
    assert "Related passages (not an answer)" in sources and "related" in sources


def test_hostile_question_is_escaped(ui):
    *_, (chat, *_rest) = run(ui, "<img src=x onerror=alert(1)><script>alert(2)</script>")
    assert "<img" not in chat[0]["content"] and "<script" not in chat[0]["content"]
    assert "&lt;img" in chat[0]["content"]


def test_empty_question_gets_a_prompt(ui):
    *_, (chat, *_rest) = run(ui, "   ")
    assert "Please type a question" in chat[-1]["content"]


def test_citation_click_renders_that_citation(ui):
    *_, (_, _, _, _, turns) = run(ui, "Apa isi perjanjian no limit partnership?")
    sources, article = ui.show_citation("0-2|123", turns, False, "id")
    assert 'class="cited active" id="art-0-2"' in article
    assert ui.show_citation("garbage", turns, False, "en") == (ui.show_citation("9-9", turns, False, "en"))


def test_new_chat_clears_everything(ui):
    chat, box, sources, article, turns = ui.new_chat("id")
    assert (chat, box, turns) == ([], "", []) and "Belum ada sumber." in sources


def test_add_pasted_article_then_answer_from_it_then_remove(ui):
    status, library, pick = ui.add_text("Festival Layang-layang Bali", NEW_ARTICLE.split("\n", 1)[1], "en")
    assert status.startswith("Added “Festival Layang\\-layang Bali”") and "(added)" in library
    assert pick["choices"] == [("Festival Layang-layang Bali", "festival-layang-layang-bali")]
    *_, (chat, _, sources, article, turns) = run(ui, "Kapan festival layang-layang digelar?")
    assert "12 Juli 2025" in chat[-1]["content"]
    assert turns[0]["answer"].citations[0].title == "Festival Layang-layang Bali"
    assert "Festival Layang-layang Bali" in article
    # the bundled article is still answered
    *_, (chat, *_rest) = run(ui, "When was the Arctic exercise?")
    assert re.search("3 (October|Oktober) 2024", chat[-1]["content"])
    status, library, pick = ui.remove("festival-layang-layang-bali", "en")
    assert status == "Removed “Festival Layang\\-layang Bali”." and "Festival" not in library
    assert ui.assistant.index.store.count() == 5


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("notes.pdf", b"%PDF-1.4", "only .txt and .md files"),
        ("empty.txt", b"", "empty"),
        ("title-only.md", b"Just a title\n", "no text"),
        ("latin1.txt", "Judul\nCaf\xe9".encode("latin-1"), "not UTF-8"),
        ("huge.txt", b"Judul\n" + b"a" * 900_000, "larger than"),
    ],
)
def test_bad_uploads_get_a_clear_message_and_nothing_is_lost(ui, tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    before = ui.assistant.index.store.count()
    status, library, _ = ui.add_file(str(path), "en")
    assert status.startswith("⚠️") and message in status.replace("\\", "")
    assert ui.assistant.index.store.count() == before and "(bundled)" in library


def test_uploaded_file_with_html_is_kept_as_text(ui, tmp_path):
    path = tmp_path / "xss.txt"
    path.write_text("Berita <script>alert(1)</script>\nIsi <img src=x onerror=alert(1)> di Jakarta pada 1 Mei 2025.")
    status, library, _ = ui.add_file(str(path), "en")
    assert status.startswith("Added") and "<script>" not in library and "&lt;script&gt;" in library
    assert ui.add_file(str(path), "en")[0].startswith("⚠️")  # same article twice


def test_removing_nothing_or_a_bundled_article_is_refused(ui):
    assert ui.remove(None, "en")[0].startswith("⚠️ pick an added article")
    assert "bundled articles cannot be removed" in ui.remove("china-rusia-pertahanan", "en")[0]


def test_relabel_switches_every_label(ui):
    updates = ui.relabel("id")
    assert updates[0].startswith("## Tanya artikel")
    assert updates[1]["label"] == "Pertanyaan Anda" and updates[2]["value"] == "Kirim"
    assert "(bawaan)" in updates[-1]  # the article list too
    assert set(LABELS["en"]) == set(LABELS["id"])


def test_related_passage_click_shows_it_without_claiming_support(ui):
    *_, (_, _, sources, _, turns) = run(ui, "How many ships took part?")
    assert 'data-cite="0-r1"' in sources
    _, article = ui.show_citation("0-r1|5", turns, False, "en")
    related = turns[0]["answer"].related[0]
    assert f'data-start="{related.start}" data-end="{related.end}"' in article and 'class="cited active"' in article
