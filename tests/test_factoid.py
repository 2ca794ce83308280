import pytest

from app.qa.factoid import DATE, NUMBER, OTHER, PERSON, PLACE, candidates, question_type, render

SENTENCE = (
    "Kedua negara telah meningkatkan hubungan militer mereka sejak tahun 2022 dengan menyelenggarakan latihan "
    "bersama di Laut Jepang pada 21 September 2024 dan di Samudra Arktik pada 3 Oktober 2024."
)
TRADE = (
    "Selain itu perdagangan antara kedua negara meningkat sebesar 3,5% dengan nilai dagang sekitar 1,2 triliun "
    "Yuan (USD 168 miliar) dalam periode Januari-September 2024."
)


@pytest.mark.parametrize(
    "question, kind",
    [
        ("When was the Arctic exercise?", DATE),
        ("Since when have the two countries stepped up military ties?", DATE),
        ("Kapan latihan bersama dilaksanakan?", DATE),
        ("Pada tahun berapa perjanjian ditandatangani?", DATE),
        ("How much did trade increase?", NUMBER),
        ("Berapa nilai perdagangan?", NUMBER),
        ("Who did Belousov meet?", PERSON),
        ("Siapa yang ditemui Belousov?", PERSON),
        ("Where was it held?", PLACE),
        ("Which city did the minister visit?", PLACE),
        ("Di mana latihan perang digelar?", PLACE),
        ("Apa isi perjanjian no limit partnership?", OTHER),
        ("Why is the Arctic route important?", OTHER),
        ("", OTHER),
    ],
)
def test_question_type(question, kind):
    assert question_type(question) == kind


def test_dates_with_spans():
    found = candidates(SENTENCE, DATE)
    assert [c.text for c in found] == ["tahun 2022", "21 September 2024", "3 Oktober 2024"]
    assert all(SENTENCE[c.start : c.end] == c.text for c in found)
    assert [c.text for c in candidates(TRADE, DATE)] == ["Januari-September 2024"]


def test_numbers_skip_dates_and_keep_units():
    found = candidates(TRADE, NUMBER)
    assert [c.text for c in found] == ["3,5%", "1,2 triliun Yuan (USD 168 miliar)"]
    assert all(TRADE[c.start : c.end] == c.text for c in found)
    assert candidates(SENTENCE, NUMBER) == []  # only dates there
    assert candidates("ulang tahun ke-75 pembentukan", NUMBER) == []


def test_names_skip_sentence_starting_words():
    s = "Di pertemuan ini Belousov bertemu dengan Jenderal Zhang Youxia di Beijing."
    vocab = frozenset({"di", "pertemuan"})
    # "who" may be a person or a country; a name after "di" is a place
    assert [c.text for c in candidates(s, PERSON, vocab)] == ["Belousov", "Jenderal Zhang Youxia"]
    assert [c.text for c in candidates(s, PLACE, vocab)] == ["Belousov", "Beijing"]


@pytest.mark.parametrize(
    "text, lang, rendered",
    [
        ("3 Oktober 2024", "en", "3 October 2024"),
        ("3 Oktober 2024", "id", "3 Oktober 2024"),
        ("3 October 2024", "id", "3 Oktober 2024"),
        ("tahun 2022", "en", "2022"),
        ("3,5%", "en", "3.5%"),
        ("3,5%", "id", "3,5%"),
        ("1,2 triliun Yuan (USD 168 miliar)", "en", "1.2 trillion Yuan (USD 168 billion)"),
        ("Rp 1.000.000,50", "en", "Rp 1,000,000.50"),
        ("Januari-September 2024", "en", "January-September 2024"),
        ("Samudra Arktik", "en", "Samudra Arktik"),
    ],
)
def test_render_in_the_askers_language(text, lang, rendered):
    assert render(text, lang) == rendered


@pytest.mark.parametrize(
    "question, count",
    [("How many ships took part?", True), ("Berapa jumlah tentara?", True), ("How much did trade grow?", False),
     ("Berapa persen kenaikannya?", False), ("Berapa nilai perdagangan?", False)],
)
def test_count_questions(question, count):
    from app.qa.factoid import asks_count

    assert asks_count(question) is count


@pytest.mark.parametrize("candidate, count", [("3,5%", False), ("USD 168 miliar", False), ("1.200", True)])
def test_counts_are_not_shares_or_money(candidate, count):
    from app.qa.factoid import is_count

    assert is_count(candidate) is count


def test_offices_must_match_across_languages():
    from app.qa.factoid import holds_office, offices_asked

    offices = offices_asked("Who is the president of Russia?")
    assert not holds_office("Menteri Pertahanan (Menhan) Rusia Andrei Belousov", offices)
    assert holds_office("Presiden Vladimir Putin", offices)
    assert holds_office("Menteri Pertahanan Rusia Andrei Belousov", offices_asked("Siapa menteri pertahanan Rusia?"))
    assert offices_asked("When was the Arctic exercise?") == []


@pytest.mark.parametrize(
    "question, kind",
    [("What is the population of Russia?", NUMBER), ("Berapa jumlah penduduk Rusia?", NUMBER),
     ("What is the value of trade?", NUMBER), ("What is the purpose of the exercise?", OTHER)],
)
def test_what_is_the_quantity_questions(question, kind):
    assert question_type(question) == kind
