import pytest

from index.chunking import Chunk, chunk_document, paragraphs, split_sentences
from index.documents import load_file, make_document
from tests.conftest import ARTICLE


def sentences(text: str) -> list[str]:
    return [text[s.start : s.end] for s in split_sentences(text)]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("", []),
        ("   ", []),
        ("Satu kalimat tanpa titik", ["Satu kalimat tanpa titik"]),
        ("Perdagangan naik 3,5% tahun ini. Nilainya besar.", ["Perdagangan naik 3,5% tahun ini.", "Nilainya besar."]),
        ("Nilai USD 168 miliar (CMC) tercatat. Lalu naik.", ["Nilai USD 168 miliar (CMC) tercatat.", "Lalu naik."]),
        (
            "Pada 14 Oktober 2024 ia tiba. Pada 3 Okt. 2024 latihan.",
            ["Pada 14 Oktober 2024 ia tiba.", "Pada 3 Okt. 2024 latihan."],
        ),
        ("Dr. Budi dan Jend. Zhang bertemu. Mereka senang.", ["Dr. Budi dan Jend. Zhang bertemu.", "Mereka senang."]),
        ("Harga Rp 5.000. Naik lagi 2.5 persen.", ["Harga Rp 5.000.", "Naik lagi 2.5 persen."]),
        ("The U.S. Army came. Then it left!", ["The U.S. Army came.", "Then it left!"]),
        ('Ia berkata "Ya." Lalu pergi? Tidak.', ['Ia berkata "Ya."', "Lalu pergi?", "Tidak."]),
        ("A. Belousov tiba. Zhang menyambut.", ["A. Belousov tiba.", "Zhang menyambut."]),
        ("Versi 1.2 rilis. <b>Tebal</b>. Selesai.", ["Versi 1.2 rilis. <b>Tebal</b>.", "Selesai."]),
        ("Ümit datang. Ölçü baru.", ["Ümit datang.", "Ölçü baru."]),
        ("lowercase after period. stays together", ["lowercase after period. stays together"]),
    ],
)
def test_split_sentences(text, expected):
    assert sentences(text) == expected


def test_paragraphs_one_per_line_and_blank_line_separated():
    assert [(p.start, p.end) for p in paragraphs("a\nb\n\nc")] == [(0, 3), (5, 6)]
    assert [(p.start, p.end) for p in paragraphs("a\n  b  \n")] == [(0, 1), (4, 5)]
    assert paragraphs("") == []


def test_article_offsets_round_trip_exactly():
    doc = load_file(ARTICLE)
    chunks = chunk_document(doc)
    assert doc.title == "China dan Rusia Tingkatkan Kerja Sama Pertahanan"
    assert len(chunks) == 5
    assert [c.paragraph for c in chunks] == [1, 1, 2, 3, 3]
    for chunk in chunks:
        assert doc.text[chunk.start : chunk.end] == chunk.text
        assert chunk.sentences[0].start == chunk.start and chunk.sentences[-1].end == chunk.end
        for s in chunk.sentences:
            assert chunk.start <= s.start < s.end <= chunk.end
            assert "\n" not in doc.text[s.start : s.end]
    # every non-space character of the body is in exactly one sentence
    covered = "".join(doc.text[s.start : s.end] for c in chunks for s in c.sentences)
    assert covered.replace(" ", "") == doc.text[doc.body_start :].replace(" ", "").replace("\n", "")
    assert sum(len(c.sentences) for c in chunks) == 13


def test_chunks_never_cross_paragraphs_and_ids_are_stable():
    doc = make_document("Judul\nSatu. Dua. Tiga. Empat.\nLima.")
    first, again = chunk_document(doc), chunk_document(doc)
    assert [c.id for c in first] == [c.id for c in again]
    assert [(c.paragraph, c.text) for c in first] == [(1, "Satu. Dua."), (1, "Tiga. Empat."), (2, "Lima.")]
    other = make_document("Judul\nSatu. Dua. Tiga. Empat.\nLima.", doc_id="other")
    assert {c.id for c in chunk_document(other)}.isdisjoint(c.id for c in first)


def test_metadata_round_trip():
    doc = load_file(ARTICLE)
    chunk = chunk_document(doc)[2]
    assert Chunk.from_metadata(chunk.text, chunk.metadata()) == chunk


def test_huge_paragraph_is_split_by_size():
    doc = make_document("T\n" + " ".join(f"Kalimat nomor {i} cukup panjang untuk diuji." for i in range(200)))
    chunks = chunk_document(doc)
    assert all(len(c.sentences) <= 3 for c in chunks)
    assert sum(len(c.sentences) for c in chunks) == 200
