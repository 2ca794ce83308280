import pytest

from index.documents import MAX_CHARS, load_dir, load_file, make_document, slugify
from index.errors import DocumentError
from tests.conftest import ARTICLE


def test_bundled_article_has_title_and_id():
    doc = load_file(ARTICLE)
    assert doc.id == "china-rusia-pertahanan"
    assert doc.text.startswith(doc.title + "\n")
    assert doc.body_start == len(doc.title) + 1


@pytest.mark.parametrize(
    "text, title, message",
    [
        ("", None, "empty"),
        ("   \n  ", None, "empty"),
        ("Only a title", None, "no text"),
        ("\nbody without title", None, "title"),
        ("body", "   ", "needs a title"),
        ("x" * (MAX_CHARS + 1), None, "too long"),
    ],
)
def test_bad_documents_are_refused_with_a_clear_message(text, title, message):
    with pytest.raises(DocumentError, match=message):
        make_document(text, title=title)


def test_title_argument_becomes_first_line_and_crlf_is_normalised():
    doc = make_document("Baris satu.\r\nBaris dua.", title="  Judul   Baru ")
    assert doc.title == "Judul Baru"
    assert doc.text == "Judul Baru\nBaris satu.\nBaris dua."
    assert doc.id == "judul-baru"


@pytest.mark.parametrize("title, slug", [("Ümlaut & Co!", "umlaut-co"), ("<script>", "script"), ("???", "article")])
def test_slugify(title, slug):
    assert slugify(title) == slug


def test_load_file_errors(tmp_path):
    (tmp_path / "a.pdf").write_bytes(b"%PDF")
    (tmp_path / "b.txt").write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(DocumentError, match="only .txt and .md"):
        load_file(tmp_path / "a.pdf")
    with pytest.raises(DocumentError, match="not UTF-8"):
        load_file(tmp_path / "b.txt")
    with pytest.raises(DocumentError, match="no such file"):
        load_file(tmp_path / "missing.txt")
    with pytest.raises(DocumentError, match="does not exist"):
        load_dir(tmp_path / "nope")
