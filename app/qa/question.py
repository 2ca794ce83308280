"""Question analysis: what kind of answer is asked for, in either language.

The patterns are the question words of Indonesian and English (with the "-kah" forms
and common chat spellings); nothing here knows about any article.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from index.lexical import CHAT_WORDS, STOPWORDS, tokenize

DATE, TIME, NUMBER, PERSON, PLACE, ORG, NAME, EXPANSION = (
    "date", "time", "number", "person", "place", "org", "name", "expansion"
)
LIST, YESNO, OTHER = "list", "yesno", "other"
TYPED = (DATE, TIME, NUMBER, PERSON, PLACE, ORG, NAME, EXPANSION)  # answered by a span

# Number questions ask for one of these units ("berapa persen", "how much money").
PERCENT, MONEY, COUNT, DURATION, AGE, ANY = "percent", "money", "count", "duration", "age", "any"

_K = r"(?:kah)?"  # Indonesian question words take an optional "-kah"
_TYPES = [
    (EXPANSION, r"\b(kepanjangan|singkatan|akronim|stand for|stands for|abbreviation)\b|^\s*what is the full name\b"),
    (TIME, rf"\b(jam|pukul) berapa{_K}\b|^\s*(at )?what time\b|\bwhat time\b"),
    (DATE, rf"\b(kapan{_K}|sejak kapan|tanggal berapa{_K}|(pada )?tahun berapa{_K}|bulan apa|hari apa(kah)?)\b"),
    (DATE, r"^\s*(when|since when|until when|what (date|year|day|month)|which (date|year|day|month)|"
           r"in what year|in which year|on what (date|day))\b"),
    (NUMBER, rf"\b(berapa{_K}|seberapa)\b"),
    (NUMBER, r"^\s*(how (much|many|large|big|long|old|far|high|fast)|what (percentage|share|amount|value|"
             r"number|proportion|rate|price|cost|total|sum|fine|budget|size|level))\b"),
    (NUMBER, r"^\s*what (is|was|were|are|will be) the (value|amount|number|percentage|share|size|total|price|"
             r"cost|population|rate|budget|fine|turnout|score|valuation|salary|age|death toll|toll|level)\b"),
    (NUMBER, r"^\s*what('s| is| was| are| were)\b.*\b(valuation|valuasi|worth|price|cost|budget|salary|fine|"
             r"percentage|rate|turnout|score|total|amount|number|toll|population|size|value)\b"),
    (PERSON, rf"\b(siapa{_K}( saja)?)\b"),
    (PERSON, r"^\s*(who|whom|whose)\b|\bwho (is|was|are|were|said|says|did|does|will|has|had)\b"),
    (PLACE, rf"\b(di ?mana{_K}|ke ?mana{_K}|dari ?mana{_K}|(kota|negara|tempat|provinsi|kabupaten|daerah|desa|"
            rf"kecamatan|wilayah|lokasi|pulau|stadion) (apa|mana){_K})\b"),
    (PLACE, r"^\s*(where|from where|in which (city|country|place|province|region|district|village|town)|"
            r"which (city|country|place|province|region|district|village|town|island|stadium|venue|location))\b"),
    (ORG, rf"\b(lembaga|perusahaan|instansi|badan|organisasi|partai|bank|kementerian|pengadilan|klub|tim|"
          rf"universitas|sekolah|rumah sakit|produsen|pabrik) (apa|mana){_K}\b"),
    (ORG, r"^\s*(which|what) (company|companies|agency|agencies|organi[sz]ation|institution|party|parties|bank|"
          r"ministry|court|club|team|firm|university|school|hospital|manufacturer|body|authority)\b"),
    (NAME, rf"^\s*(apa )?nama\b|\bapa nama{_K}\b|^\s*what('s| is| was) the name\b"
           r"|\bwhat (is|was) (his|her|its) name\b"),
]
_LIST = re.compile(
    r"\b(sebutkan|apa saja|siapa saja|mana saja|di mana saja|dari mana saja|berapa saja|list|name (the|all)|"
    r"what are the|which are the|what were the|who are the|who were the)\b", re.IGNORECASE
)
_YESNO = re.compile(
    r"^\s*(apakah|apa benar|benarkah|betulkah|adakah|bisakah|akankah|sudahkah|pernahkah|"
    r"is|are|was|were|do|does|did|has|have|had|can|could|will|would|should)\b", re.IGNORECASE
)
_UNITS = [
    (PERCENT, r"\b(persen|persentase|percent|percentage|proportion|share|porsi|proporsi|inflasi|"
              r"inflation|turnout|partisipasi|bunga|interest)\b|%"),
    (MONEY, r"\b(rp|rupiah|usd|dolar|dollars?|biaya|harga|nilai|dana|anggaran|gaji|denda|uang|kerugian|"
            r"money|cost|costs|price|prices|worth|value|valuation|valuasi|budget|fine|salary|fund|funding|"
            r"pendanaan|investasi|investment|santunan|compensation|revenue|pendapatan|bonus|loss|losses)\b|\$"),
    (DURATION, r"\b(berapa lama|how long|durasi|duration|berapa tahun|berapa bulan|berapa hari|berapa jam|"
               r"how many (years|months|days|hours|weeks|minutes))\b"),
    (AGE, r"\b(umur|usia|berumur|berusia|how old|age)\b"),
    (COUNT, r"\b(how many|jumlah|berapa (orang|banyak|unit|buah|kali|kursi|suara|korban|rumah|desa|sekolah)|"
            r"population|populasi|penduduk|number of)\b"),
]

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
# question words and question-frame verbs of both languages: not what a question asks about
QUESTION_WORDS = frozenset(
    """
    apa apakah siapa siapakah kapan kapankah mana manakah dimana bagaimana gimana mengapa kenapa berapa
    berapakah seberapa sebutkan jelaskan nama what who whom whose when where why how which name tell
    many much does did do is are was were has have will would can could happen terjadi
    """.split()
)


@dataclass(frozen=True)
class Question:
    text: str
    type: str  # one of TYPED, LIST, YESNO, OTHER
    unit: str  # for NUMBER: PERCENT, MONEY, COUNT, DURATION, AGE or ANY
    is_list: bool
    is_yesno: bool
    terms: tuple[str, ...]  # informative words (lower case, question words and function words left out)
    quoted: str  # text in quotation marks ("who said '...'"), empty when none
    multiple: bool = False  # asks two things at once ("kapan dan di mana")

    @property
    def typed(self) -> bool:
        return self.type in TYPED

    @property
    def contentless(self) -> bool:
        """Nothing to search for: "When?", "xxxx", "{{7*7}}" (an acronym like "CMC" is content)."""
        acronyms = {w.lower() for w in re.findall(r"\b[A-Z]{2,8}\b", self.text)}
        return not any(_meaningful(t) or t in acronyms for t in self.terms if not t[0].isdigit())


# English chat spellings of question words, on top of the Indonesian ones
_SPELLINGS = {**CHAT_WORDS, "whats": "what is", "wheres": "where is", "whos": "who is", "hows": "how is"}


def _normalise(text: str) -> str:
    words = re.split(r"(\W+)", text.lower())
    return "".join(_SPELLINGS.get(w, w) for w in words)


_QUESTION_WORD = re.compile(
    r"\b(apa|apakah|siapa|kapan|mana|dimana|bagaimana|gimana|mengapa|kenapa|berapa|seberapa|"
    r"what|who|whom|whose|when|where|why|how|which)(kah)?\b", re.IGNORECASE
)


# "how old is he and where is he from", "kapan dan di mana": a second question word after "and"
_SECOND_QUESTION = re.compile(
    r"\b(and|dan|serta)\s+(where|when|who|how|why|what|which|di ?mana|kapan|siapa|berapa|mengapa|kenapa|"
    r"apa|bagaimana|dari mana|ke mana)\b"
)


def has_question_word(text: str) -> bool:
    """ "Kalau yang di Arktik?" has none, so it asks what the previous question asked."""
    return bool(_QUESTION_WORD.search(_normalise(text)))


def question_types(text: str) -> list[str]:
    q = _normalise(text)
    return list(dict.fromkeys(kind for kind, pattern in _TYPES if re.search(pattern, q)))


def question_type(text: str) -> str:
    kinds = question_types(text)
    return kinds[0] if kinds else OTHER


def number_unit(text: str) -> str:
    q = _normalise(text)
    for unit, pattern in _UNITS:
        if re.search(pattern, q):
            return unit
    return ANY


_QUOTED = re.compile(r"[\"“”'‘’]([^\"“”]{8,}?)[\"“”'‘’]")


# "What is CMC?", "apa itu BPS": a bare acronym asked about is asked to be spelled out
_WHAT_IS_ACRONYM = re.compile(
    r"^\s*(?i:what is|what's|what does|apa itu|apakah itu|apa)\s+(?i:the\s+)?[A-Z][A-Z0-9]{1,7}\s*\??\s*$"
)


def analyse(text: str) -> Question:
    text = " ".join((text or "").split())
    kind = EXPANSION if _WHAT_IS_ACRONYM.match(text) else question_type(text)
    is_list = bool(_LIST.search(_normalise(text)))
    is_yesno = bool(_YESNO.match(_normalise(text))) and kind in (OTHER, YESNO)
    if kind == OTHER:
        kind = LIST if is_list else YESNO if is_yesno else OTHER
    quoted = _QUOTED.search(text)
    terms = tuple(t for t in tokenize(text) if t not in STOPWORDS)
    return Question(
        text=text,
        type=kind,
        unit=number_unit(text) if kind == NUMBER else "",
        is_list=is_list,
        is_yesno=is_yesno,
        terms=terms,
        quoted=quoted.group(1) if quoted else "",
        multiple=bool(_SECOND_QUESTION.search(_normalise(text))),
    )


def _meaningful(token: str) -> bool:
    """A word with a vowel that is not one letter repeated ("xxxx")."""
    letters = token.replace("-", "")
    return len(set(letters)) > 1 and bool(re.search(r"[aeiouy]", letters))
