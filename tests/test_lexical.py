import pytest

from index.lexical import BM25Index, tokenize


@pytest.mark.parametrize(
    "text, tokens",
    [
        ("", []),
        ("Naik 3,5% (USD 168 miliar)", ["naik", "3_5", "usd", "168", "miliar"]),
        ("increase of 3.5%", ["increase", "3_5"]),
        ("Siapa yang ditemui Belousov?", ["ditemui", "belousov"]),
        ("Zhang Youxia, 21 September", ["zhang", "youxia", "21", "september"]),
        ("China-Rusia", ["china", "rusia", "china-rusia"]),
        ("<img src=x onerror=alert(1)>", ["img", "src", "onerror", "alert", "1"]),
    ],
)
def test_tokenize(text, tokens):
    assert tokenize(text) == tokens


def test_bm25_scores_only_matching_texts():
    bm25 = BM25Index(["zhang youxia bertemu", "harga naik 3,5%", "lain"])
    assert bm25.scores("3.5%")[1] > 0 and bm25.scores("3.5%")[0] == 0
    assert list(bm25.scores("what?")) == [0, 0, 0]
    assert list(BM25Index([]).scores("x")) == []


def test_terms_in_most_texts_do_not_vote():
    bm25 = BM25Index(["china a", "china b", "china c", "china d zhang"])
    assert list(bm25.scores("china")) == [0, 0, 0, 0]
    assert bm25.scores("china zhang")[3] > 0 and bm25.scores("china zhang")[0] == 0


@pytest.mark.parametrize(
    "a, b, same",
    [
        ("ditemui", "bertemu", True),
        ("dituduh", "menuduh", True),
        ("perdagangan", "dagang", True),
        ("mendukung", "pendukung", True),
        ("dilaksanakan", "pelaksanaan", True),
        ("latihan", "berlatih", True),
        ("latihan", "pertahanan", False),
        ("exercise", "exercise", True),
        ("china", "rusia", False),
    ],
)
def test_same_root_matches_indonesian_word_forms(a, b, same):
    from index.lexical import same_root

    assert same_root(a, b) is same


@pytest.mark.parametrize(
    "a, b, same",
    [("russia", "rusia", True), ("ukraine", "ukraina", True), ("america", "amerika", True), ("japan", "china", False),
     ("tin", "tan", False)],
)
def test_cognates_across_languages(a, b, same):
    from index.lexical import cognate

    assert cognate(a, b) is same


def test_bm25_index_is_built_once_on_first_use_whatever_the_number_of_readers(monkeypatch):
    import threading

    import bm25s

    builds = []
    real_index = bm25s.BM25.index
    monkeypatch.setattr(bm25s.BM25, "index", lambda self, *a, **k: builds.append(1) or real_index(self, *a, **k))
    texts = ["Presiden bertemu menteri pertahanan", "Hujan deras merendam rumah warga", "Banjir", "Menteri"]
    index = BM25Index(texts)
    assert not index.built and index.size == 4 and builds == []
    results = []
    readers = [threading.Thread(target=lambda: results.append(index.scores("menteri").tolist())) for _ in range(8)]
    for reader in readers:
        reader.start()
    for reader in readers:
        reader.join()
    assert index.built and builds == [1]
    assert results == [BM25Index(texts).scores("menteri").tolist()] * 8 and results[0][0] > 0
