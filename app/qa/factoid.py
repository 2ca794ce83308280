"""Factoid questions: what kind of answer is asked for, and candidate spans of that kind.

Question types come from the question words of both languages. Candidates are found
in a cited sentence with patterns for dates, figures and capitalised names, each with
its character span, so the short answer is always a piece of the cited text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

DATE, NUMBER, PERSON, PLACE, OTHER = "date", "number", "person", "place", "other"

_TYPE_PATTERNS = [
    (DATE, r"^\s*(when|since when|what (date|year|day|month)|which (date|year|day|month)|in what year)\b"),
    (DATE, r"\b(kapan|sejak kapan|tanggal berapa|(pada )?tahun berapa|bulan apa|hari apa)\b"),
    (NUMBER, r"^\s*(how (much|many|large|big|long)|what (percentage|share|amount|value|number))\b"),
    (NUMBER, r"^\s*what (is|was|were|are) the "
             r"(value|amount|number|percentage|share|size|total|price|cost|population)\b"),
    (NUMBER, r"\b(jumlah penduduk|populasi)\b"),
    (NUMBER, r"\b(berapa|seberapa)\b"),
    (PERSON, r"^\s*(who|whom|whose)\b"),
    (PERSON, r"\b(siapa|siapakah)\b"),
    (PLACE, r"^\s*(where|which (city|country|place|sea|ocean|region|capital)|in which (city|country|place|sea))\b"),
    (PLACE, r"\b(di ?mana|ke ?mana|dari mana|kota apa|negara apa|(kota|negara|tempat|laut|samudra) mana)\b"),
]

MONTHS_ID = "januari februari maret april mei juni juli agustus september oktober november desember".split()
MONTHS_EN = "january february march april may june july august september october november december".split()
_MONTH = "|".join(
    MONTHS_ID
    + MONTHS_EN
    + ["agu", "okt", "des", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec"]
)
_DATE = re.compile(
    rf"\b(?:(?:{_MONTH})\.?\s*[-–]\s*(?:{_MONTH})\.?\s+\d{{4}}"  # Januari-September 2024
    rf"|\d{{1,2}}\s+(?:{_MONTH})\.?(?:\s+\d{{4}})?"  # 3 Oktober 2024 / 3 Oktober
    rf"|(?:{_MONTH})\.?\s+\d{{1,2}},?\s+\d{{4}}"  # October 3, 2024
    rf"|(?:{_MONTH})\.?\s+\d{{4}}"  # Februari 2022
    rf"|(?:tahun|year)\s+(?:1[89]|20)\d{{2}}"  # tahun 2022
    rf"|(?:1[89]|20)\d{{2}})\b",  # 2022
    re.IGNORECASE,
)
_SCALE = r"(?:triliun|miliar|milyar|juta|ribu|trillion|billion|million|thousand)"
_CURRENCY = r"(?:USD|US\$|\$|Rp\.?|IDR|EUR|€|Yuan|yuan|RMB|dolar|dollars?|rupiah|euro)"
_NUMBER = re.compile(
    rf"(?:{_CURRENCY}\s*)?\b\d+(?:[.,]\d+)*(?:\s*(?:%|persen|percent))?(?:\s+{_SCALE})?(?:\s+{_CURRENCY})?"
    rf"(?:\s*\((?:{_CURRENCY}\s*)?\d+(?:[.,]\d+)*(?:\s+{_SCALE})?(?:\s+{_CURRENCY})?\))?"
)
# A run of capitalised words (or acronyms in brackets) inside a sentence.
_NAME = re.compile(r"(?:\(?[A-Z][\w'’.-]*\)?)(?:\s+\(?[A-Z][\w'’.-]*\)?)*")
# Words that mark a person (titles, ranks, offices).
TITLES = frozenset(
    """
    jenderal jend letjen mayjen laksamana marsekal menteri menhan menlu presiden wakil ketua kepala direktur
    gubernur bupati walikota raja ratu perdana pm dr prof bapak ibu tuan nyonya
    general minister president vice chairman chair head director governor mayor king queen prime mr mrs ms
    """.split()
)
# Offices across the two languages: a question asking for "the president" wants a
# person with that office, not any titled person.
OFFICES = {
    "president": {"presiden", "president"}, "presiden": {"presiden", "president"},
    "minister": {"menteri", "menhan", "menlu", "minister"}, "menteri": {"menteri", "menhan", "menlu", "minister"},
    "general": {"jenderal", "jend", "general"}, "jenderal": {"jenderal", "jend", "general"},
    "chairman": {"ketua", "chairman", "chair"}, "ketua": {"ketua", "chairman", "chair"},
    "vice": {"wakil", "vice", "deputy"}, "wakil": {"wakil", "vice", "deputy"}, "deputy": {"wakil", "vice", "deputy"},
    "governor": {"gubernur", "governor"}, "gubernur": {"gubernur", "governor"},
    "king": {"raja", "king"}, "raja": {"raja", "king"}, "mayor": {"walikota", "mayor"},
    "prime": {"perdana", "prime"}, "perdana": {"perdana", "prime"},
    "ceo": {"ceo", "direktur"}, "director": {"direktur", "director"}, "direktur": {"direktur", "director"},
}
# Words just before a place name.
PLACE_CUES = frozenset("di ke dari menuju mengunjungi kunjungi in at to from visited visit visiting near".split())


@dataclass(frozen=True)
class Candidate:
    kind: str
    start: int  # offsets into the sentence text
    end: int
    text: str


def question_type(question: str) -> str:
    q = question.lower()
    for kind, pattern in _TYPE_PATTERNS:
        if re.search(pattern, q):
            return kind
    return OTHER


def candidates(sentence: str, kind: str, lowercase_vocab: frozenset[str] = frozenset()) -> list[Candidate]:
    """Spans of ``sentence`` that can answer a question of ``kind``.

    ``lowercase_vocab`` holds words seen in lower case in the article: such a word at
    the start of a capitalised run is an ordinary word starting the sentence, not a name.
    """
    if kind == DATE:
        return [Candidate(DATE, m.start(), m.end(), m.group()) for m in _DATE.finditer(sentence)]
    if kind == NUMBER:
        dates = [(m.start(), m.end()) for m in _DATE.finditer(sentence)]
        out = []
        for m in _NUMBER.finditer(sentence):
            text = m.group().strip()
            if any(a <= m.start() and m.end() <= b for a, b in dates) or _is_bare_year(text):
                continue
            if sentence[max(0, m.start() - 3) : m.start()].endswith("ke-"):  # ordinal "ke-75"
                continue
            out.append(Candidate(NUMBER, m.start(), m.start() + len(text), text))
        return out
    if kind in (PERSON, PLACE):
        return [c for c in _names(sentence, lowercase_vocab) if _fits(c, sentence, kind)]
    return []


def _is_bare_year(text: str) -> bool:
    return bool(re.fullmatch(r"(1[89]|20)\d{2}", text))


def _names(sentence: str, lowercase_vocab: frozenset[str]) -> list[Candidate]:
    out = []
    for m in _NAME.finditer(sentence):
        start, text = m.start(), m.group()
        # drop leading ordinary words ("Pada", "Di", "Selain") and month names
        while True:
            first = re.match(r"\(?([\w'’.-]+)\)?\s*", text)
            word = first.group(1).lower().strip(".") if first else ""
            if word and (word in lowercase_vocab or word in MONTHS_ID or word in MONTHS_EN) and first.end() < len(text):
                start += first.end()
                text = text[first.end() :]
                continue
            break
        word = text.lower().strip("().")
        if word in lowercase_vocab or word in MONTHS_ID or word in MONTHS_EN or len(word) < 2:
            continue
        out.append(Candidate("name", start, start + len(text.rstrip(".")), text.rstrip(".")))
    return out


def _fits(c: Candidate, sentence: str, kind: str) -> bool:
    words = [w.strip("().").lower() for w in c.text.split()]
    has_title = any(w in TITLES for w in words)
    if kind == PERSON:  # "who" may also be answered by a country or an organisation
        return has_title or not place_cue(sentence, c)
    return not has_title  # a place: any name that is not a titled person


def place_cue(sentence: str, c: Candidate) -> bool:
    before = sentence[: c.start].split()[-1:]
    return bool(before) and before[0].lower() in PLACE_CUES


def has_title(c: Candidate) -> bool:
    return any(w.strip("().").lower() in TITLES for w in c.text.split())


def offices_asked(question: str) -> list[set[str]]:
    """The offices a question names ("president of France" → {presiden, president})."""
    return [OFFICES[w] for w in re.findall(r"[^\W\d_]+", question.lower()) if w in OFFICES]


def holds_office(text: str, offices: list[set[str]]) -> bool:
    words = {w.strip("().").lower() for w in text.split()}
    return all(words & office for office in offices)


def render(text: str, lang: str) -> str:
    """A candidate in the asker's language: month names, decimal commas, scale words."""
    if lang == "en":
        for i, month in enumerate(MONTHS_ID):
            text = re.sub(rf"\b{month}\b", MONTHS_EN[i].capitalize(), text, flags=re.IGNORECASE)
        text = re.sub(r"\b(?:tahun)\s+", "", text, flags=re.IGNORECASE)
        text = re.sub(r"(?<=\d),(?=\d)", ".", text) if not re.search(r"\d\.\d{3}\b", text) else _swap_separators(text)
        for word, english in (
            ("triliun", "trillion"),
            ("miliar", "billion"),
            ("milyar", "billion"),
            ("juta", "million"),
            ("ribu", "thousand"),
            ("persen", "percent"),
            ("dolar", "dollars"),
        ):
            text = re.sub(rf"\b{word}\b", english, text, flags=re.IGNORECASE)
    else:
        for i, month in enumerate(MONTHS_EN):
            text = re.sub(rf"\b{month}\b", MONTHS_ID[i].capitalize(), text, flags=re.IGNORECASE)
        for word, indonesian in (
            ("trillion", "triliun"),
            ("billion", "miliar"),
            ("million", "juta"),
            ("thousand", "ribu"),
            ("percent", "persen"),
        ):
            text = re.sub(rf"\b{word}\b", indonesian, text, flags=re.IGNORECASE)
    return text


def _swap_separators(text: str) -> str:
    """Indonesian "1.000,5" → English "1,000.5"."""
    return re.sub(r"\d+(?:[.,]\d+)+", lambda m: m.group().replace(".", "\0").replace(",", ".").replace("\0", ","), text)


_COUNT_QUESTION = re.compile(
    r"\bhow many\b|\bberapa (jumlah|banyak|orang|kali|unit|buah|kapal|pesawat|tentara|personel|negara)\b"
    r"|\bjumlah\b|\bpopulation\b|\bpopulasi\b|\bpenduduk\b", re.IGNORECASE
)


def asks_count(question: str) -> bool:
    """ "How many ships", "berapa jumlah tentara": a count, not a share or a sum of money."""
    return bool(_COUNT_QUESTION.search(question))


def is_count(candidate: str) -> bool:
    return not re.search(rf"%|persen|percent|{_CURRENCY}", candidate, re.IGNORECASE)
