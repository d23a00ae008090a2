"""Words for keyword search: normalised, stemmed tokens, and the acronyms a corpus defines.

The same `tokenize` serves documents and questions, so that "Thailand's" finds "Thailand",
"programs" finds "program" and "54,530" finds "54530". Cyrillic letters that look Latin
(OCR puts "В" for "B" in table cells) are folded to their Latin twins.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Letters that OCR confuses with Latin ones; folded so that "В" (Cyrillic) matches "B".
HOMOGLYPHS = str.maketrans({
    "А": "A", "В": "B", "С": "C", "Е": "E", "Н": "H", "К": "K", "М": "M", "О": "O", "Р": "P",
    "Т": "T", "Х": "X", "а": "a", "с": "c", "е": "e", "о": "o", "р": "p", "х": "x", "у": "y",
    "‐": "-", "‑": "-", "–": "-", "—": "-", "’": "'", "‘": "'", "“": '"', "”": '"',
})
STOPWORDS = frozenset("""
a an and are as at be but by for if in into is it no not of on or such that the their then
there these they this to was will with what which who whom whose how why when where does did
do was were has have had been being its it's than so can could would should may might about
""".split())
# A demonym means its country for search: "the Japanese model" is about Japan, and
# "Vietnamese SMEs" answers a question about Vietnam's SMEs.
DEMONYMS = {
    "japanese": "japan", "vietnamese": "vietnam", "thai": "thailand", "malaysian": "malaysia",
    "korean": "korea", "indonesian": "indonesia", "chinese": "china", "taiwanese": "taiwan",
    "singaporean": "singapore", "philippine": "philippines", "filipino": "philippines",
    "cambodian": "cambodia", "laotian": "laos", "burmese": "myanmar", "indian": "india",
    "american": "america", "german": "germany", "british": "britain", "french": "france",
    "ethiopian": "ethiopia", "african": "africa", "asian": "asia", "european": "europe",
    "kenyan": "kenya", "rwandan": "rwanda", "bangladeshi": "bangladesh", "pakistani": "pakistan",
    "nigerian": "nigeria", "ghanaian": "ghana", "tanzanian": "tanzania", "ugandan": "uganda",
    "egyptian": "egypt", "brazilian": "brazil", "mexican": "mexico", "russian": "russia",
    "australian": "australia", "canadian": "canada", "italian": "italy", "spanish": "spain",
    "swedish": "sweden", "turkish": "turkey", "iranian": "iran",
}
# Irregular forms the Snowball stemmer leaves apart: "grew" must find "grow", "driven" "drive".
IRREGULAR = {
    "grew": "grow", "grown": "grow", "driven": "drive", "drove": "drive", "made": "make", "given": "give",
    "gave": "give", "taken": "take", "took": "take", "led": "lead", "built": "build", "began": "begin",
    "begun": "begin", "rose": "rise", "risen": "rise", "fell": "fall", "fallen": "fall", "chose": "choose",
    "chosen": "choose", "held": "hold", "paid": "pay", "sold": "sell", "spent": "spend", "won": "win",
    "brought": "bring", "bought": "buy", "sought": "seek", "taught": "teach", "thought": "think",
    "went": "go", "gone": "go", "saw": "see", "seen": "see", "set": "set", "kept": "keep", "left": "leave",
    "lost": "lose", "met": "meet", "ran": "run", "wrote": "write", "written": "write", "chaired": "chair",
}
_TOKEN_RE = re.compile(r"\d+(?:[.,]\d+)*|[a-z]+")


def fold(text: str) -> str:
    """Homoglyphs to Latin, accents removed: the form both sides of a match are compared in."""
    text = text.translate(HOMOGLYPHS)
    if text.isascii():  # the common case, and the hot path of scoring sentences
        return text
    text = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in text if not unicodedata.combining(ch))


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer  # PyStemmer: the Snowball stemmers, fast C

    return Stemmer.Stemmer("english")


# British and American spellings are one word to a search: "organisation", "programme".
_SPELLINGS = {"programme": "program", "programmes": "programs", "labour": "labor", "centre": "center",
              "centres": "centers", "behaviour": "behavior", "favour": "favor", "defence": "defense",
              "licence": "license", "analyse": "analyze", "catalogue": "catalog", "judgement": "judgment"}
_NOT_ISE = frozenset("advertise enterprise enterprises exercise otherwise supervise comprise compromise premise "
                     "expertise franchise merchandise surprise promise revise televise devise improvise disguise "
                     "raise precise concise wise rise arise noise cruise praise despise chastise".split())
_ISE_RE = re.compile(r"^([a-z]{4,})is(ation|ations|e|es|ed|ing|er|ers)$")


def american(word: str) -> str:
    if word in _SPELLINGS:
        return _SPELLINGS[word]
    if word not in _NOT_ISE:
        match = _ISE_RE.match(word)
        if match:
            return f"{match.group(1)}iz{match.group(2)}"
    return word


def words(text: str) -> list[str]:
    """Lower-case words and numbers without stemming ("54,530" -> "54530"), in American
    spelling."""
    out = []
    for token in _TOKEN_RE.findall(fold(text).lower()):
        if token[0].isdigit():
            token = re.sub(r",(?=\d{3}\b)", "", token)  # thousands separators
        else:
            token = american(token)
        out.append(token)
    return out


def tokenize(text: str) -> list[str]:
    """Stemmed content tokens for BM25."""
    kept = [IRREGULAR.get(w, DEMONYMS.get(w, w)) for w in words(text)
            if w not in STOPWORDS and (len(w) > 1 or w.isdigit())]
    return _stemmer().stemWords(kept)


# --- acronyms -------------------------------------------------------------------------------

_ACRONYM_RE = re.compile(r"\(([A-Z][A-Za-z&]*[A-Z][a-z]?)\)")
_JOINERS = frozenset({"of", "for", "and", "the", "in", "on", "to", "&", "de"})


def find_acronyms(text: str) -> dict[str, str]:
    """Acronyms the text defines, "Board of Investment (BOI)" -> {"BOI": "Board of Investment"}.

    Each letter of the acronym must start one of the words right before the parenthesis
    (small joining words such as "of" may be skipped), so that "(local Malay)" or "(17%)"
    define nothing.
    """
    found: dict[str, str] = {}
    for match in _ACRONYM_RE.finditer(text):
        acronym = match.group(1)
        letters = acronym[:-1] if acronym.endswith("s") and acronym[:-1].isupper() else acronym
        if not 2 <= len(letters) <= 8 or not letters.isupper():
            continue
        before = text[max(0, match.start() - 200):match.start()].split()
        long_form = _match_initials(letters, before)
        if long_form and letters not in found:
            found[letters] = long_form
    return found


def _match_initials(letters: str, words_before: list[str]) -> str | None:
    want = [c.lower() for c in letters if c.isalpha()]
    taken: list[str] = []
    index = len(words_before) - 1
    while want and index >= 0:
        word = words_before[index].strip("(),;:\"'")
        initial = word[:1].lower()
        if initial == want[-1]:
            want.pop()
            taken.append(word)
        elif word.lower() in _JOINERS and taken:
            taken.append(word)
        else:
            return None
        index -= 1
    if want:
        return None
    return " ".join(reversed(taken))


def expand_acronyms(query: str, acronyms: dict[str, str]) -> str:
    """Append the long form of each acronym the query uses ("BOI" -> "BOI Board of Investment")
    and the acronym of each long form it spells out, so both spellings are searched."""
    extra = []
    for acronym, long_form in acronyms.items():
        if re.search(rf"\b{re.escape(acronym)}s?\b", query):
            if long_form.lower() not in query.lower():
                extra.append(long_form)
        elif long_form.lower() in query.lower():
            extra.append(acronym)
    return f"{query} ({'; '.join(extra)})" if extra else query
