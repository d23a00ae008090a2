"""What a question asks for: its type, the entities it names and its content words.

Pure functions of the question text (and the corpus vocabulary where given); the answer
engine uses them to prefer sentences of the right shape (a year for "when", a figure for
"how much") and to notice when the paper does not cover what the question names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from index.tokens import DEMONYMS, STOPWORDS, fold, words

COUNTRIES = frozenset("""
vietnam thailand malaysia indonesia japan korea singapore taiwan china philippines cambodia laos
myanmar india bangladesh pakistan germany france britain america usa ethiopia africa brazil mexico
russia australia canada italy spain sweden kenya nigeria egypt turkey iran europe asia
""".split())
# Words that ask rather than tell: they carry no content to look for in the paper.
QUESTION_WORDS = frozenset("""
what which who whom whose when where why how does did do is are was were paper authors author
according say says said describe described mention mentioned tell explain give given about much
many long kind type main role there any please one two some
""".split()) | STOPWORDS
_YEAR_RE = re.compile(r"\b(1[89]\d\d|20\d\d)\b")
_NUMBER_RE = re.compile(r"\d")


class QuestionType(str, Enum):
    META = "meta"  # about the document itself: its authors
    YEAR = "year"
    NUMBER = "number"
    REASON = "reason"
    DEFINITION = "definition"
    WHO = "who"
    LIST = "list"
    YES_NO = "yes_no"
    OTHER = "other"


@dataclass(frozen=True)
class Question:
    text: str
    type: QuestionType
    countries: tuple[str, ...]  # canonical names, lower case ("thailand")
    years: tuple[str, ...]
    names: tuple[str, ...]  # other capitalised names and acronyms ("Vendor Development Program", "BOI")
    content: tuple[str, ...]  # content words, lower case, unstemmed
    subject: str  # what a definition question asks about ("selective industrial policy")


_TYPE_PATTERNS: list[tuple[QuestionType, str]] = [
    (QuestionType.META, r"^(who (are|were|is|was) the authors?|who wrote|who (are|is) the (paper|article)'s authors?|"
                        r"(what|which) (are the )?(names of the )?authors?|by whom)\b|"
                        r"^when was (the|this) (paper|article|study) (published|written)|\bpublication date\b|"
                        r"\b(what|which) is (the|its) doi\b|"
                        r"\b(who|which \w+) (funded|financed|sponsored|paid for)\b.*\b(study|paper|research|project)\b|"
                        r"\b(project (code|number|file)|grant number)\b.*\b(study|paper|research)\b"),
    (QuestionType.YEAR, r"^(when\b|in (what|which) year|what year|which year|since when|how long ago)"),
    (QuestionType.REASON, r"^(why\b|how come\b)|\bthe (main |key |chief )?(reasons?|causes?|rationale)\b|\bwhy\b"),
    (QuestionType.NUMBER, r"^(how (much|many|fast|quickly|long|large|big|high|low|far)\b)|"
                          r"^(what|which) (share|percentage|proportion|rate|ratio|amount|number|level|value|figure)\b|"
                          r"^(what|which|where)( \w+)? (is|was|were|are|did|does)\b.*\b(share|percentage|per ?cent|ranking|"
                          r"rank|income|gdp|rate|growth|proportion|ratio|amount|population|price|cost|budget|surplus|"
                          r"deficit|revenue|value)\b|\b(how much|how many)\b|"
                          r"\b(figures?|numbers?|data|statistics?) (for|on|of|about)\b"),
    (QuestionType.WHO, r"^(who|whom|whose|(which|what) (\w+ ){0,2}(organi[sz]ations?|agency|agencies|institutions?|body|"
                       r"bodies|ministry|ministries|government|firms?|companies|company|institutes?|authority|"
                       r"council|economists?|people|donors?))\b"),
    (QuestionType.LIST, r"^(what|which) (are|were) (the )?(\w+ )?(\w+ )?(purposes|goals|objectives|components|measures|"
                        r"implications|lessons|ways|steps|conditions|factors|policies|programs|programmes|elements|"
                        r"types|kinds|facts|areas|tracks|recommendations)\b|^(list|name)\b|\b(two|three|four|several) |"
                        r"^(what|which) (\w+ ){0,2}(implications|lessons|recommendations|measures|purposes|steps)\b"),
    (QuestionType.DEFINITION, r"^(what (is|are|was|were) (a |an |the )?(?!one of|the main|the most)[^?']{2,60}\??$|define\b|"
                              r"what is meant by\b|what do(es)? [^?]+ (mean|stand for)\b)"),
    (QuestionType.YES_NO, r"^(is|are|was|were|does|did|do|can|could|should|has|have)\b"),
]


def analyse(text: str) -> Question:
    clean = " ".join(fold(text).split())
    clean = re.sub(r"\bSouth Korea\b", "Korea", clean)  # the paper's "Korea" is South Korea
    lower = clean.lower()
    kind = QuestionType.OTHER
    for candidate, pattern in _TYPE_PATTERNS:
        if re.search(pattern, lower):
            kind = candidate
            break
    tokens = words(clean)
    countries = tuple(dict.fromkeys(DEMONYMS.get(t, t) for t in tokens if DEMONYMS.get(t, t) in COUNTRIES))
    return Question(
        text=clean,
        type=kind,
        countries=countries,
        years=tuple(dict.fromkeys(_YEAR_RE.findall(clean))),
        names=proper_names(clean),
        content=tuple(dict.fromkeys(t for t in tokens if t not in QUESTION_WORDS and not t.isdigit() and len(t) > 1)),
        subject=_subject(clean) if kind is QuestionType.DEFINITION else "",
    )


def proper_names(text: str) -> tuple[str, ...]:
    """Capitalised word runs and acronyms that are not the first word of the question and not
    countries: "When was Malaysia's Vendor Development Program introduced?" -> ("Vendor
    Development Program",)."""
    names = []
    run: list[str] = []
    tokens = re.findall(r"[A-Za-z][A-Za-z&.\-]*(?:'s)?|\S", text)
    for index, token in enumerate(tokens):
        word = token[:-2] if token.endswith("'s") else token
        capital = word[:1].isupper() and index > 0 and word.lower() not in COUNTRIES \
            and DEMONYMS.get(word.lower()) is None
        joiner = word.lower() in ("of", "for", "and", "&") and run
        if capital or joiner:
            run.append(word)
            if token.endswith("'s"):
                names.append(" ".join(run))
                run = []
            continue
        if run:
            names.append(" ".join(run))
            run = []
    if run:
        names.append(" ".join(run))
    cleaned = []
    for name in names:
        name = re.sub(r"\s+(of|for|and|&)$", "", name).strip(" .")
        if name and name.lower() not in QUESTION_WORDS:
            cleaned.append(name)
    return tuple(dict.fromkeys(cleaned))


def _subject(text: str) -> str:
    match = re.search(r"(?:what (?:is|are|was|were|does) |define |what is meant by )(?:an? |the )?(.+?)"
                      r"(?: mean| stand for)?\??$", text, re.IGNORECASE)
    return match.group(1).strip() if match else ""


def has_year(text: str) -> bool:
    return bool(_YEAR_RE.search(text))


def has_number(text: str) -> bool:
    return bool(_NUMBER_RE.search(text))
