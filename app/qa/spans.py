"""Typed spans of a sentence that can answer a factoid question, and their rendering.

Dates ("3 Oktober 2024", "Selasa (7/1)", "(29/8/2024)", "Oct. 7, 2024"), times
("pukul 14.30 WIB"), figures in either notation ("Rp1,2 triliun", "5,75 persen",
"12.500 orang", "$1.2 billion", "lima orang"), names (runs of capitalised words) and
abbreviation expansions ("Badan Pusat Statistik (BPS)"). Values are read with Babel
(numbers in the Indonesian or English locale) and dateparser (dates, with the year of
the article for "(7/1)"), and rendered in the asker's language. Every span is a
``(start, end)`` inside the sentence, so a short answer always points into the source.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from app.qa import question as q
from index.lexical import STOPWORDS

MONTHS_ID = "januari februari maret april mei juni juli agustus september oktober november desember".split()
MONTHS_EN = "january february march april may june july august september october november december".split()
DAYS_ID = "senin selasa rabu kamis jumat sabtu minggu".split()
DAYS_EN = "monday tuesday wednesday thursday friday saturday sunday".split()
MONTH_ABBREVIATIONS = "jan feb mar apr jun jul agu aug sep sept okt oct nov des dec".split()
_MON = "(?:" + "|".join(MONTHS_ID + MONTHS_EN + MONTH_ABBREVIATIONS) + r")\b"  # "12 desa" is no date
_DAY = "|".join(DAYS_ID + ["jum'at"] + DAYS_EN)
_YEAR = r"(?:1[89]|20)\d{2}"

_DATE = re.compile(
    rf"(?:\b(?:{_DAY}),?\s*)?\(\d{{1,2}}/\d{{1,2}}(?:/{_YEAR})?\)"  # Selasa (7/1), (29/8/2024)
    rf"|\b(?:{_MON})\.?\s*[-–]\s*(?:{_MON})\.?\s+{_YEAR}"  # Januari-September 2024
    rf"|\b\d{{1,2}}\s*[-–]\s*\d{{1,2}}\s+(?:{_MON})\.?(?:\s+{_YEAR})?"  # 7-9 Januari 2025
    rf"|\b(?:(?:{_DAY}),?\s+)?\d{{1,2}}\s+(?:{_MON})\.?(?:,?\s+{_YEAR})?"  # Senin, 3 Oktober 2024
    rf"|\b(?:(?:{_DAY}),?\s+)?(?:{_MON})\.?\s+\d{{1,2}}(?:,\s+{_YEAR})?(?!\d)"  # Monday, Oct. 7, 2024
    rf"|\b(?:{_MON})\.?\s+{_YEAR}"  # Februari 2022
    rf"|\b(?:tahun|year)\s+{_YEAR}(?:/{_YEAR})?"  # tahun 2022
    rf"|\b{_YEAR}/{_YEAR}\b"  # 2025/2026 (an academic or fiscal year)
    rf"|\b(?<![.,]){_YEAR}\b(?![.,]\d)"  # 2022
    rf"|\b(?:on|pada|hari)\s+(?:{_DAY})\b(?!,?\s*\()",  # pada Kamis
    re.IGNORECASE,
)
_TIME = re.compile(
    r"\b(?:pukul|jam|sekitar pukul|at|around|about)\s+\d{1,2}[.:]\d{2}(?:\s*(?:WIB|WITA|WIT|a\.m\.|p\.m\.|am|pm))?"
    r"|\b\d{1,2}[.:]\d{2}\s*(?:WIB|WITA|WIT|a\.m\.|p\.m\.)",
    re.IGNORECASE,
)
_SCALE = r"(?:triliun|miliar|milyar|juta|ribu|trillion|billion|million|thousand|T|M|jt)"
_CUR_BEFORE = r"(?:Rp\.?|IDR|USD|US\$|\$|S\$|EUR|€|£|¥)"
_CUR_AFTER = r"(?:rupiah|dolar(?-i: [A-Z][A-Za-z]+)?|dollars?|yuan|euro|ringgit|yen)"  # "dolar AS", "dolar Australia"
_NUM = r"\d+(?:[.,]\d+)*"
# number words of the two languages (the language, not any article)
WORD_NUMBERS = {
    "satu": 1, "dua": 2, "tiga": 3, "empat": 4, "lima": 5, "enam": 6, "tujuh": 7, "delapan": 8, "sembilan": 9,
    "sepuluh": 10, "sebelas": 11, "dua belas": 12, "seratus": 100, "seribu": 1000,
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "eleven": 11, "twelve": 12, "dozen": 12, "hundred": 100,
}
_WORDNUM = "|".join(sorted((re.escape(w) for w in WORD_NUMBERS), key=len, reverse=True))
_FIGURE = re.compile(
    rf"(?:{_CUR_BEFORE}\s?|(?<![\w/])){_NUM}(?![/\d])(?:\s*(?:-|–|hingga|sampai|to)\s*{_NUM})?"
    rf"(?:\s?(?:%|persen|percent|per cent|percentage points?|poin persentase|basis poin|basis points))?"
    rf"(?:\s{_SCALE}\b)?(?:\s{_CUR_AFTER}\b)?"
    rf"|\b(?:{_WORDNUM})\b(?:\s(?:puluh|ratus|ribu|juta|belas))?",
    re.IGNORECASE,
)
# the word after a figure names what is counted ("68.215 penonton", "1,100 workers")
_UNIT_WORD = re.compile(r"\s+([^\W\d_]{3,})", re.UNICODE)
_NAME = re.compile(r"(?:\(?[A-Z][\w'’.&-]*\)?)(?:\s+(?:(?:of|the|de|van|bin|binti)\s+)?\(?[A-Z][\w'’.&-]*\)?)*")
# currency and time-zone abbreviations are capitalised but name nobody
NOT_NAMES = frozenset("rp idr usd us$ eur wib wita wit am pm a.m p.m".split())
_ACRONYM = re.compile(r"\(([A-Z][A-Za-z]{1,9})\)")

# Words that mark a person, an organisation or a place, in both languages. These are
# the languages' own title and institution words, not names from any article.
PERSON_TITLES = frozenset(
    """
    jenderal jend letjen mayjen brigjen laksamana marsekal kolonel komjen irjen brigjen akbp akp kompol iptu ipda
    aiptu bripka briptu menteri presiden wakil ketua kepala direktur dirut gubernur bupati
    walikota wali raja ratu perdana dr drg dr. prof ir hakim jaksa terdakwa saksi kapolres kapolda
    kapolri kadis kadinkes sekretaris camat lurah pelatih kapten pemain striker bek kiper penyerang gelandang
    pendiri founder ceo cfo coo cto juru bicara jubir pengamat ekonom peneliti dosen rektor dekan guru dokter bapak
    ibu pak bu tuan nyonya sopir pengemudi korban pasien warga anggota
    general minister president vice chairman chairwoman chair head director governor mayor king queen prime mr
    mrs ms dr judge prosecutor defendant witness coach captain striker founder chief officer spokesman
    spokeswoman spokesperson analyst economist researcher professor secretary regent chief executive driver
    """.split()
)
ORG_WORDS = frozenset(
    """
    pt tbk cv badan kementerian dinas komisi pengadilan mahkamah kejaksaan kepolisian
    polres polda polri bank bursa lembaga dewan majelis partai universitas institut sekolah rumah sakit rsud
    perusahaan asosiasi ikatan persatuan federasi yayasan koperasi perum bumn kantor direktorat sekretariat tim
    klub timnas
    inc corp corporation co ltd company group holdings ministry agency office department commission court bank
    council committee party university institute school hospital association federation foundation fund
    ventures capital authority organization organisation board bureau service team club
    """.split()
)
PLACE_WORDS = frozenset(
    """
    kabupaten kota provinsi kecamatan kelurahan desa dusun kampung jalan jl tol pulau sungai gunung danau laut
    selat teluk pantai stadion bandara pelabuhan terminal stasiun gedung aula hotel kantor pasar kawasan
    regency city province district village street road island river mount lake sea strait bay beach stadium
    airport port station building hall hotel market estate
    """.split()
)
PLACE_CUES = frozenset("di ke dari menuju kunjungi mengunjungi in at to from near visited visit across".split())
SPEECH_CUES = frozenset("kata ujar ungkap ungkapnya tutur jelas jelasnya menurut said says told according".split())


@dataclass(frozen=True)
class Span:
    kind: str  # q.DATE, q.TIME, q.NUMBER, q.NAME, q.EXPANSION
    start: int  # offsets into the sentence text
    end: int
    text: str
    unit: str = ""  # NUMBER: q.PERCENT, q.MONEY, q.COUNT or q.ANY
    unit_word: str = ""  # NUMBER: the noun that follows ("penonton")
    cue: str = ""  # NAME: "person", "org" or "place" when the words say so


def spans(sentence: str, kind: str, vocab: frozenset[str] = frozenset()) -> list[Span]:
    """Candidates in ``sentence`` for a question of ``kind`` (a question type)."""
    if kind == q.DATE:
        return [Span(q.DATE, m.start(), m.end(), m.group()) for m in _DATE.finditer(sentence)]
    if kind == q.TIME:
        return [Span(q.TIME, m.start(), m.end(), m.group()) for m in _TIME.finditer(sentence)]
    if kind == q.NUMBER:
        return _figures(sentence)
    if kind == q.EXPANSION:
        return _expansions(sentence)
    if kind in (q.PERSON, q.PLACE, q.ORG, q.NAME):
        return names(sentence, vocab)
    return []


def _figures(sentence: str) -> list[Span]:
    taken = [(m.start(), m.end()) for m in _DATE.finditer(sentence)] + [
        (m.start(), m.end()) for m in _TIME.finditer(sentence)
    ]
    out = []
    for m in _FIGURE.finditer(sentence):
        text = m.group().rstrip(" .,")
        start, end = m.start(), m.start() + len(text)
        if not text or any(a <= start and end <= b for a, b in taken):
            continue
        if sentence[max(0, start - 3) : start].lower().endswith("ke-") or re.fullmatch(_YEAR, text):
            continue  # ordinals ("ke-75") and bare years are not amounts
        if not re.search(r"\d", text) and text[0].isupper() and start > 0:
            continue  # "Lima" is a city in the middle of a sentence
        unit = _unit_of(text)
        follow = _UNIT_WORD.match(sentence, end)
        unit_word = follow.group(1).lower() if follow and unit in (q.ANY, q.COUNT) else ""
        if unit_word in STOPWORDS or unit_word in _NOT_UNITS:
            unit_word = ""
        if unit_word and unit == q.ANY:
            unit = q.COUNT
            end = follow.end()  # "68.215 penonton": the noun says what was counted
            text = sentence[start:end]
        out.append(Span(q.NUMBER, start, end, text, unit, unit_word))
    return out


# words after a figure that do not say what it counts
_NOT_UNITS = frozenset("lainnya lain lebih kurang sekitar atau hingga sampai menjadi persen".split())


def _unit_of(text: str) -> str:
    low = text.lower()
    if re.search(r"%|persen|percent|poin|basis", low):
        return q.PERCENT
    if re.search(rf"^{_CUR_BEFORE}|{_CUR_AFTER}", text, re.IGNORECASE):
        return q.MONEY
    return q.ANY


_CONNECTORS = frozenset("and of the for dan untuk serta &".split())


def _expansions(sentence: str) -> list[Span]:
    """ "Badan Pusat Statistik (BPS)", "human papillomavirus (HPV)", "Sentra Penegakan Hukum
    Terpadu (Gakkumdu)": the words before an acronym in brackets that spell it out. When
    the acronym's letters start as many words before it, those words; otherwise the run of
    capitalised words just before it."""
    out = []
    for m in _ACRONYM.finditer(sentence):
        acronym = m.group(1)
        words = list(re.finditer(r"[^\W\d_][\w'’-]*", sentence[: m.start()]))
        letters = "".join(c for c in acronym if c.isupper()).lower()
        spelled = [
            k for k in (len(letters), len(letters) - 1)
            if k >= 2 and len(words) >= k and "".join(w.group()[0] for w in words[-k:]).lower() == letters[:k]
        ]
        if spelled:
            start = words[-spelled[0]].start()
        else:
            run = []  # capitalised words and the connectors between them ("Meteorology, Climatology and ...")
            for w in reversed(words[-12:]):
                if not (w.group()[0].isupper() or w.group().lower() in _CONNECTORS):
                    break
                run.append(w)
            while run and (run[-1].group().lower() in _CONNECTORS or run[-1].group().lower() in PERSON_TITLES):
                run.pop()  # connectors and an official's title ("Wakil Ketua") are not the expansion
            if not run:
                continue
            start = run[-1].start()
        out.append(Span(q.EXPANSION, start, m.end(), sentence[start : m.end()], cue=acronym))
    return out


def names(sentence: str, vocab: frozenset[str] = frozenset()) -> list[Span]:
    """Runs of capitalised words, without sentence-initial ordinary words ("Pada", "Selain")
    and month or day names; ``vocab`` holds words the article writes in lower case."""
    out = []
    opening = len(sentence) - len(sentence.lstrip(" \"“'‘("))
    for m in _NAME.finditer(sentence):
        start, text = m.start(), m.group()
        while True:  # drop ordinary words that are capitalised only because they start the sentence
            first = re.match(r"\(?([\w'’.&-]+)\)?\s*", text)
            word = first.group(1).lower().strip(".") if first else ""
            leading = start == opening or word in _CALENDAR
            keep = word in PERSON_TITLES or word in ORG_WORDS or word in PLACE_WORDS
            if word and leading and not keep and _ordinary(word, vocab) and first.end() < len(text):
                start += first.end()
                text = text[first.end() :]
                continue
            break
        text = text.rstrip(".,")
        if text.endswith(")") and "(" not in text:
            text = text[:-1]
        if text.startswith("(") and ")" not in text:
            start, text = start + 1, text[1:]
        word = text.lower().strip("().")
        if len(word) < 2 or _ordinary(word, vocab) or word in NOT_NAMES or re.match(r"rp\d", word):
            continue
        out.append(Span(q.NAME, start, start + len(text), text, cue=entity_cue(sentence, start, text)))
    return out


_CALENDAR = frozenset(MONTHS_ID + MONTHS_EN + DAYS_ID + DAYS_EN + MONTH_ABBREVIATIONS)


def _ordinary(word: str, vocab: frozenset[str]) -> bool:
    return word in vocab or word.strip(".") in _CALENDAR


def entity_cue(sentence: str, start: int, text: str) -> str:
    """What the surrounding words say the name is: a titled person, an organisation, a place."""
    words = [w.strip("().,").lower() for w in text.split()]
    before = [w.strip("().,").lower() for w in sentence[:start].split()[-3:]]
    if words and (words[0] in ORG_WORDS or words[0].startswith("kemen")) or any(w in ORG_WORDS for w in words[-1:]):
        return "org"  # "Kemen..." is how Indonesian ministries are shortened
    if _acronym(text):
        return "org"
    if words and words[0] in PLACE_WORDS:
        return "place"
    if any(w in PERSON_TITLES for w in words) or (before and before[-1] in PERSON_TITLES):
        return "person"
    if before and before[-1] in SPEECH_CUES:
        return "person"
    if before and before[-1] in PLACE_CUES:
        return "place"
    return ""


def _acronym(text: str) -> bool:
    """ "BPS", "KPU Kota X": an organisation's initials lead the name."""
    first = text.split()[0].strip("()") if text.split() else ""
    return 2 <= len(first) <= 6 and first.isupper() and first.isalpha()


PERSON_NAME_WORDS = 3  # a person's name in news text: one to three words after the titles


def person_part(text: str) -> tuple[int, str]:
    """ "Ketua KPU Kota Sungai Jernih Muhammad Rizal Effendi" → "Muhammad Rizal Effendi": the
    words after the last title, office, place word or acronym, at most three of them."""
    words = list(re.finditer(r"\S+", text))
    cut = 0
    for i, w in enumerate(words[:-1]):
        low = w.group().strip("().,").lower()
        if low in PERSON_TITLES or low in ORG_WORDS or low in PLACE_WORDS or _acronym(w.group()):
            cut = i + 1
    cut = max(cut, len(words) - PERSON_NAME_WORDS)
    if cut <= 0:
        return 0, text
    return words[cut].start(), text[words[cut].start() :]


# -- rendering in the asker's language ------------------------------------------------


def render(span: Span, lang: str, year: int | None = None) -> str:
    if span.kind == q.DATE:
        return render_date(span.text, lang, year)
    if span.kind == q.NUMBER:
        return render_number(span, lang)
    if span.kind == q.TIME and lang == "en":
        return re.sub(r"^(pukul|jam|sekitar pukul)\s+", "", span.text, flags=re.IGNORECASE)
    return span.text


@lru_cache(maxsize=4096)
def render_date(text: str, lang: str, year: int | None = None) -> str:
    """ "Selasa (7/1)" → "Tuesday, 7 January 2025" / "Selasa, 7 Januari 2025" (dateparser
    reads it, with the article's year when the text has none); other forms keep their
    shape with month and day names translated."""
    m = re.search(r"\((\d{1,2})/(\d{1,2})(?:/(\d{4}))?\)", text)
    day_name = re.match(rf"\s*({_DAY})", text, re.IGNORECASE)
    if m:
        import dateparser

        raw = f"{m.group(1)}/{m.group(2)}/{m.group(3) or year or datetime.now().year}"
        parsed = dateparser.parse(raw, settings={"DATE_ORDER": "DMY", "PREFER_DAY_OF_MONTH": "first"})
        if parsed:
            months = MONTHS_EN if lang == "en" else MONTHS_ID
            out = f"{parsed.day} {months[parsed.month - 1].capitalize()} {parsed.year}"
            if day_name:
                out = f"{_translate_day(day_name.group(1), lang)}, {out}"
            return out
    return _translate_words(text, lang)


def _translate_day(day: str, lang: str) -> str:
    low = day.lower().replace("'", "")
    source, target = (DAYS_ID, DAYS_EN) if lang == "en" else (DAYS_EN, DAYS_ID)
    return target[source.index(low)].capitalize() if low in source else day


def _translate_words(text: str, lang: str) -> str:
    pairs = list(zip(MONTHS_ID + DAYS_ID, MONTHS_EN + DAYS_EN, strict=True))
    pairs += [("tahun", "year"), ("pada", "on")]
    for ind, eng in pairs:
        a, b = (ind, eng) if lang == "en" else (eng, ind)
        text = re.sub(rf"\b{a}\b", lambda m, b=b: b.capitalize() if m.group()[0].isupper() else b, text,
                      flags=re.IGNORECASE)
    if lang == "en":
        text = re.sub(r"^(on|year)\s+", "", text, flags=re.IGNORECASE)
    return text


_SCALE_WORDS = {"triliun": "trillion", "miliar": "billion", "milyar": "billion", "juta": "million",
                "ribu": "thousand", "persen": "percent", "dolar": "dollars", "jt": "million"}


def render_number(span: Span, lang: str) -> str:
    """Figures in the asker's notation (Babel): "Rp1,2 triliun" → "Rp1.2 trillion" in English;
    English "$1.2 billion" → "$1,2 miliar" in Indonesian. Numbers in words become digits
    in the other language."""
    text = span.text
    word = re.match(rf"(?i)({_WORDNUM})\b(.*)", text)
    if word and re.match(r"\s*(puluh|belas|ratus|ribu|juta)\b", word.group(2), re.IGNORECASE):
        return text  # "dua puluh orang": left in words rather than read wrongly
    if word and word.group(1).lower() in WORD_NUMBERS:
        value = WORD_NUMBERS[word.group(1).lower()]
        return text if _is_language_of(word.group(1), lang) else f"{value}{word.group(2)}"
    source_lang = "id" if re.search(r"\d\.\d{3}(?!\d)|\d,\d(?!\d{2})|rp|persen|triliun|miliar|juta|ribu",
                                    text, re.IGNORECASE) else "en"
    if source_lang == lang:
        return text
    out = re.sub(r"\d+(?:[.,]\d+)*", lambda m: _convert(m.group(), source_lang, lang), text)
    table = _SCALE_WORDS if lang == "en" else {v: k for k, v in _SCALE_WORDS.items() if k not in ("milyar", "jt")}
    for a, b in table.items():
        out = re.sub(rf"\b{a}\b", b, out, flags=re.IGNORECASE)
    return out


def _is_language_of(word: str, lang: str) -> bool:
    english = {"one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
               "dozen", "hundred"}
    return (word.lower() in english) == (lang == "en")


def _convert(number: str, source: str, target: str) -> str:
    from babel.numbers import NumberFormatError, format_decimal, parse_decimal

    try:
        value = parse_decimal(number, locale="id" if source == "id" else "en", strict=False)
    except NumberFormatError:
        return number
    separator = "," if source == "id" else "."  # the source locale's decimal separator
    decimals = len(number.rsplit(separator, 1)[1]) if separator in number else 0
    return format_decimal(value, format="#,##0" + ("." + "0" * decimals if decimals else ""),
                          locale="en" if target == "en" else "id")


def article_year(text: str) -> int | None:
    """The year the article is about: the most frequent four-digit year in it."""
    from collections import Counter

    years = re.findall(rf"\b({_YEAR})\b", text)
    return int(Counter(years).most_common(1)[0][0]) if years else None
