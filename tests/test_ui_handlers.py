"""Gradio handlers called directly: chat and library with the real model and a Chroma folder in
tmp (slow); the page's relabelling and the interface strings with fakes."""

import json
import re
from types import SimpleNamespace

import gradio as gr
import pytest

from app.qa.pipeline import Assistant
from app.render import answer_markdown
from app.ui import ChatUI, LibraryUI
from app.ui.layout import Page
from app.ui.strings import STRINGS_FILE, strings
from index.library import ArticleInfo
from index.service import open_index
from index.settings import Settings

slow = pytest.mark.slow

NEW_ARTICLE = (
    "Festival Layang-layang Bali\nFestival layang-layang digelar di Pantai Padanggalak pada 12 Juli 2025. "
    "Ratusan peserta datang dari seluruh Bali."
)


@pytest.fixture
def index(real_embedder, tmp_path):
    settings = Settings.load(env={}, home=tmp_path / "home")
    index = open_index(settings, embedder=real_embedder)
    index.build()
    return index


@pytest.fixture
def ui(index):
    return ChatUI(Assistant(index))


@pytest.fixture
def lib(index):
    return LibraryUI(index)


def run(ui, question, turns=None, chat=None, backend="extractive", k=4, details=False, lang="en"):
    return list(ui.respond(question, chat or [], turns or [], backend, k, details, lang))


@slow
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


@slow
def test_follow_up_uses_earlier_turns(ui):
    *_, (chat, _, _, _, turns) = run(ui, "When was the Arctic exercise?")
    *_, (chat, _, _, _, turns) = run(ui, "Where was it held?", turns, chat)
    assert len(turns) == 2 and "Arktik" in chat[-1]["content"]


@slow
def test_refusal_looks_different_and_offers_related_passages(ui):
    *_, (chat, _, sources, _, _) = run(ui, "How many ships took part?")
    assert chat[-1]["content"].startswith("> The article does not say")
    assert "Related passages (not an answer)" in sources and "related" in sources


@slow
def test_hostile_question_is_escaped(ui):
    *_, (chat, *_rest) = run(ui, "<img src=x onerror=alert(1)><script>alert(2)</script>")
    assert "<img" not in chat[0]["content"] and "<script" not in chat[0]["content"]
    assert "&lt;img" in chat[0]["content"]


@slow
def test_empty_question_gets_a_prompt(ui):
    *_, (chat, *_rest) = run(ui, "   ")
    assert "Please type a question" in chat[-1]["content"]


@slow
def test_citation_click_renders_that_citation(ui):
    *_, (_, _, _, _, turns) = run(ui, "Apa isi perjanjian no limit partnership?")
    sources, article = ui.show_citation("0-1|123", turns, False, "id")
    assert 'class="cited active" id="art-0-1"' in article
    assert ui.show_citation("garbage", turns, False, "en") == (ui.show_citation("9-9", turns, False, "en"))


@slow
def test_new_chat_clears_everything(ui):
    chat, box, sources, article, turns = ui.new_chat("id")
    assert (chat, box, turns) == ([], "", []) and "Belum ada sumber." in sources


@slow
def test_add_pasted_article_then_answer_from_it_then_remove(ui, lib):
    status, library, pick = lib.add_text("Festival Layang-layang Bali", NEW_ARTICLE.split("\n", 1)[1], "en")
    assert status == "Added “Festival Layang\\-layang Bali” (1 passages)." and "(added)" in library
    assert pick["choices"] == [("Festival Layang-layang Bali", "festival-layang-layang-bali")]
    *_, (chat, _, sources, article, turns) = run(ui, "Kapan festival layang-layang digelar?")
    assert "12 Juli 2025" in chat[-1]["content"]
    assert turns[0]["answer"].citations[0].title == "Festival Layang-layang Bali"
    assert "Festival Layang-layang Bali" in article
    # the bundled article is still answered
    *_, (chat, *_rest) = run(ui, "When was the Arctic exercise?")
    assert re.search("3 (October|Oktober) 2024", chat[-1]["content"])
    status, library, pick = lib.remove("festival-layang-layang-bali", "id")
    assert status == "“Festival Layang\\-layang Bali” dihapus." and "Festival" not in library
    assert "(bawaan)" in library and pick["choices"] == []
    assert lib.index.store.count() == 5


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("notes.pdf", b"%PDF-1.4", "only .txt and .md files"),
        ("empty.txt", b"", "empty"),
        ("title-only.md", b"Just a title\n", "no text"),
        ("latin1.txt", "Judul\nCaf\xe9".encode("latin-1"), "not UTF-8"),
        ("huge.txt", b"Judul\n" + b"a" * 900_000, "too large"),
    ],
)
@slow
def test_bad_uploads_get_a_clear_message_and_nothing_is_lost(lib, tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    before = (lib.index.store.count(), lib.index.articles())
    status, library, _ = lib.add_file(str(path), "en")
    assert status.startswith("⚠️ ") and message in status.replace("\\", "") and "\n" not in status
    assert (lib.index.store.count(), lib.index.articles()) == before and "(bundled)" in library


@slow
def test_uploaded_file_with_html_is_kept_as_text(lib, tmp_path):
    path = tmp_path / "xss.txt"
    path.write_text("Berita <script>alert(1)</script>\nIsi <img src=x onerror=alert(1)> di Jakarta pada 1 Mei 2025.")
    status, library, _ = lib.add_file(str(path), "en")
    assert status.startswith("Added") and "<script>" not in library and "&lt;script&gt;" in library
    assert "<script>" not in status and "already exists" in lib.add_file(str(path), "en")[0]  # same article twice


@slow
def test_removing_nothing_or_a_bundled_article_is_refused(lib):
    assert lib.remove(None, "en")[0] == "⚠️ pick an added article to remove"
    assert lib.add_file(None, "id")[0] == "⚠️ pilih berkas \\.txt atau \\.md terlebih dahulu"
    refused = lib.remove("china-rusia-pertahanan", "en")[0].replace("\\", "")
    assert refused.startswith("⚠️ ") and "bundled article" in refused
    assert [a.id for a in lib.index.articles()] == ["china-rusia-pertahanan"]


class FakeIndex:
    """The library interface the page reads: one bundled and one added article."""

    def articles(self):
        return [ArticleInfo("a", "Bundled <b>one</b>", "bundled", 5), ArticleInfo("b", "Added", "added", 1)]


def page(has_llm: bool = False) -> Page:
    with gr.Blocks():
        return Page(ChatUI(SimpleNamespace(has_llm=has_llm)), LibraryUI(FakeIndex()), top_k=4)


def test_relabel_maps_every_labelled_component_to_its_update():
    p = page(has_llm=True)
    updates = p.relabel("id")
    assert list(updates) == p.relabelled()  # the event's outputs are exactly the keys returned
    assert {p.header, p.box, p.send, p.ui_lang, p.library, p.settings_box, p.remove_pick} <= set(updates)
    assert updates[p.header] == "## Tanya artikel\n" + strings("id")["intro"]
    assert updates[p.box]["label"] == "Pertanyaan Anda" and updates[p.box]["placeholder"].startswith("mis.")
    assert updates[p.send]["value"] == "Kirim" and updates[p.new]["value"] == "Obrolan baru"
    assert updates[p.backend]["choices"] == [("Luring (ekstraktif)", "extractive"), ("Model bahasa", "llm")]
    assert updates[p.library] == "- Bundled &lt;b&gt;one&lt;/b&gt; *(bawaan)*\n- Added *(tambahan)*"
    back = p.relabel("en")
    assert back[p.send]["value"] == "Send" and back[p.articles_box]["label"] == "Articles"


def test_strings_cover_both_languages_and_a_missing_name_fails_loudly():
    table = json.loads(STRINGS_FILE.read_text(encoding="utf-8"))
    assert set(table) == {"en", "id"} and set(table["en"]) == set(table["id"])
    assert strings("id")["send"] == "Kirim"
    with pytest.raises(KeyError, match="no interface string 'sendd' for language 'id'"):
        strings("id")["sendd"]
    with pytest.raises(KeyError, match="no interface strings for language 'fr'"):
        strings("fr")


@slow
def test_related_passage_click_shows_it_without_claiming_support(ui):
    *_, (_, _, sources, _, turns) = run(ui, "How many ships took part?")
    assert 'data-cite="0-r1"' in sources
    _, article = ui.show_citation("0-r1|5", turns, False, "en")
    related = turns[0]["answer"].related[0]
    assert f'data-start="{related.start}" data-end="{related.end}"' in article and 'class="cited active"' in article
