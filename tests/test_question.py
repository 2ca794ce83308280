"""Question analysis in both languages: types, units, contentless input."""

import pytest

from app.qa import question as q


@pytest.mark.parametrize(
    "text, kind",
    [
        ("Kapankah banjir terjadi", q.DATE),
        ("When did voting take place?", q.DATE),
        ("tahun berapa perusahaan itu didirikan", q.DATE),
        ("Jam berapa kecelakaan terjadi?", q.TIME),
        ("What time did the match kick off?", q.TIME),
        ("Berapakah jumlah korban?", q.NUMBER),
        ("brp karyawan yg kena PHK?", q.NUMBER),
        ("how many people died", q.NUMBER),
        ("whats the company's valuation now?", q.NUMBER),
        ("Siapakah kepala dinas itu?", q.PERSON),
        ("who got sent off", q.PERSON),
        ("dimana lokasi kecelakaannya", q.PLACE),
        ("Which city hosted the final?", q.PLACE),
        ("Which company makes the vaccine?", q.ORG),
        ("Apa kepanjangan BPS?", q.EXPANSION),
        ("What does PHK stand for?", q.EXPANSION),
        ("apa nama perusahaan bus itu", q.NAME),
        ("Sebutkan semua pasangan calon", q.LIST),
        ("Apakah ada korban jiwa?", q.YESNO),
        ("Is the company planning to expand abroad?", q.YESNO),
        ("Mengapa pemerintah menambah kuota?", q.OTHER),
    ],
)
def test_question_types(text, kind):
    assert q.analyse(text).type == kind


@pytest.mark.parametrize(
    "text, unit",
    [
        ("Berapa persen inflasi Oktober?", q.PERCENT),
        ("How much is the fine?", q.MONEY),
        ("Berapa anggaran program itu?", q.MONEY),
        ("how many workers will the plant employ", q.COUNT),
        ("Berapa lama dia absen?", q.DURATION),
        ("How old is the driver?", q.AGE),
    ],
)
def test_number_questions_say_which_unit_they_want(text, unit):
    assert q.analyse(text).unit == unit


@pytest.mark.parametrize("text", ["When?", "xxxx", "{{7*7}}", "???", "Kapan?", "  1 2 3 "])
def test_contentless(text):
    assert q.analyse(text).contentless


@pytest.mark.parametrize("text", ["What is CMC?", "siapa ketua KPU", "When was the Arctic exercise?"])
def test_questions_with_content(text):
    assert not q.analyse(text).contentless


def test_quoted_text_and_two_questions_at_once():
    asked = q.analyse('siapa yang bilang "para pemain menunjukkan mental juara"?')
    assert asked.type == q.PERSON and asked.quoted == "para pemain menunjukkan mental juara"
    assert q.analyse("Kapan dan di mana leg pertama digelar?").multiple
    assert not q.analyse("Kapan leg pertama digelar?").multiple


def test_follow_ups_without_a_question_word():
    assert not q.has_question_word("Kalau yang di Samudra Arktik?")
    assert q.has_question_word("apa usulan dia?")


@pytest.mark.parametrize("text", ["What is CMC?", "apa itu BPS", "What's the WHO?"])
def test_a_bare_acronym_asks_for_its_expansion(text):
    assert q.analyse(text).type == q.EXPANSION
