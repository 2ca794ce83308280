"""Typed spans (dates, times, figures, names, expansions) and their rendering."""

from app.qa import question as q
from app.qa import spans as s


def texts(sentence, kind, vocab=frozenset()):
    return [sp.text for sp in s.spans(sentence, kind, vocab)]


def test_newswire_dates_with_the_articles_year():
    sentence = "Banjir melanda Senin (13/1) dan surut hingga Rabu (15/1/2025)."
    found = s.spans(sentence, q.DATE)
    assert [d.text for d in found] == ["Senin (13/1)", "Rabu (15/1/2025)"]
    assert s.render(found[0], "en", 2025) == "Monday, 13 January 2025"
    assert s.render(found[0], "id", 2025) == "Senin, 13 Januari 2025"
    assert s.render(found[1], "en") == "Wednesday, 15 January 2025"
    for d in found:
        assert sentence[d.start : d.end] == d.text


def test_ordinary_dates_in_both_languages():
    assert texts("Latihan digelar pada 3 Oktober 2024 dan Januari-September 2024.", q.DATE) == [
        "3 Oktober 2024", "Januari-September 2024"
    ]
    assert texts("The campaign began on Oct. 7, 2024, in Kupang.", q.DATE) == ["Oct. 7, 2024"]
    assert s.render_date("3 Oktober 2024", "en") == "3 October 2024"
    assert s.render_date("3 October 2024", "id") == "3 Oktober 2024"


def test_times():
    assert texts("Laga yang dimulai pukul 19.30 WIB itu ramai.", q.TIME) == ["pukul 19.30 WIB"]


def test_figures_in_indonesian_notation_stay_whole():
    sentence = (
        "Pendanaan senilai USD 85 juta atau sekitar Rp1,36 triliun, naik 5,75 persen, disaksikan 68.215 penonton."
    )
    found = {sp.text: sp for sp in s.spans(sentence, q.NUMBER)}
    assert set(found) == {"USD 85 juta", "Rp1,36 triliun", "5,75 persen", "68.215 penonton"}
    assert found["Rp1,36 triliun"].unit == q.MONEY and found["5,75 persen"].unit == q.PERCENT
    assert found["68.215 penonton"].unit == q.COUNT and found["68.215 penonton"].unit_word == "penonton"
    assert s.render(found["Rp1,36 triliun"], "en") == "Rp1.36 trillion"
    assert s.render(found["5,75 persen"], "en") == "5.75 percent"
    assert s.render(found["68.215 penonton"], "en") == "68,215 penonton"
    assert s.render(found["5,75 persen"], "id") == "5,75 persen"


def test_english_figures_and_numbers_in_words():
    found = {sp.text: sp for sp in s.spans("It will employ 1,100 workers and cost $1.2 billion.", q.NUMBER)}
    assert s.render(found["$1.2 billion"], "id") == "$1,2 miliar"
    assert s.render(found["1,100 workers"], "id") == "1.100 workers"
    words = s.spans("lima orang meninggal dan tiga hilang", q.NUMBER)
    assert [w.text for w in words][:1] == ["lima orang"]
    assert s.render(words[0], "en") == "5 orang"


def test_years_and_ordinals_are_not_amounts():
    assert texts("Pada 2024 ulang tahun ke-75 dirayakan oleh 300 orang.", q.NUMBER) == ["300 orang"]


def test_names_drop_sentence_initial_words_and_carry_cues():
    sentence = "Selain itu Kepala BPS Ratna Widyaningsih berbicara di Jakarta."
    found = s.spans(sentence, q.PERSON, frozenset({"selain", "itu"}))
    assert [n.text for n in found] == ["Kepala BPS Ratna Widyaningsih", "Jakarta"]
    assert found[0].cue == "person" and found[1].cue == "place"
    assert s.person_part("Ketua KPU Kota Sungai Jernih Muhammad Rizal Effendi")[1] == "Muhammad Rizal Effendi"


def test_abbreviation_expansions():
    def expansions(text):
        return [sp.text for sp in s.spans(text, q.EXPANSION)]

    assert expansions("kata Kepala Badan Pusat Statistik (BPS) Ratna") == ["Badan Pusat Statistik (BPS)"]
    assert expansions("a campaign against human papillomavirus (HPV), aiming") == ["human papillomavirus (HPV)"]
    assert expansions("bertemu Wakil Ketua Komisi Militer Pusat (CMC) China") == ["Komisi Militer Pusat (CMC)"]
    assert expansions("according to the Meteorology, Climatology and Geophysics Agency (BMKG)") == [
        "Meteorology, Climatology and Geophysics Agency (BMKG)"
    ]
    assert expansions("ke Sentra Penegakan Hukum Terpadu (Gakkumdu) jika") == [
        "Sentra Penegakan Hukum Terpadu (Gakkumdu)"
    ]


def test_article_year_is_the_most_frequent():
    assert s.article_year("Pada 2024 ... 2024 ... sejak 2022") == 2024
    assert s.article_year("no year here") is None
