"""What a question asks for: the type of its answer, the entities it names, its content words.

Pure functions of the question text. The answer type comes from the question word alone
("when" wants a year, "how much" a figure, "who" an actor, "why" a reason), as in classic
question answering; the reader turns it into one feature (does a candidate hold an answer of
that type?) whose weight is fitted, not set by hand. The entities (countries, years, names)
are what a passage must mention to answer at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from index.tokens import DEMONYMS, STOPWORDS, fold, words

COUNTRIES = frozenset("""
vietnam thailand malaysia indonesia japan korea singapore taiwan china philippines cambodia laos
myanmar india bangladesh pakistan germany france britain america usa ethiopia africa brazil mexico
russia australia canada italy spain sweden kenya nigeria egypt turkey iran rwanda ghana tanzania
uganda
""".split())  # countries, not regions: "East Asian" names no row of a table
# Words that ask rather than tell: they carry no content to look for in a passage.
QUESTION_WORDS = frozenset("""
what which who whom whose when where why how does did do is are was were paper authors author
according say says said describe described mention mentioned tell explain give given about much
many long kind type main role there any please one two some document report study article table
tables
""".split()) | STOPWORDS
# Units and measures: "in percent", "as a share of" say how a figure is given, not what it is
# about, so a paper need not use these words to answer.
UNIT_WORDS = frozenset("""
percent percentage percentages per cent share shares proportion ratio rate rates amount amounts
number numbers figure figures value values level levels total data statistic statistics us usd
dollar dollars million billion thousand terms units unit roughly approximately exactly about
currently today nowadays
""".split())
YEAR_RE = re.compile(r"\b(1[89]\d\d|20\d\d)\b")  # a year a question or a table column names
_CITED_RE = re.compile(r"\b[A-Z][\w-]+(?:,? (?:and|&) [A-Z][\w-]+| et al\.?)?,? \(?(?:19|20)\d\d[a-z]?\)")
# Sums of money a question may ask for (answer_types.asks_money reads them too).
MONEY_NOUNS = r"wages?|salar(y|ies)|prices?|costs?|budgets?|fees?"
# Nouns that name a quantity: "What was Singapore's per capita income in 2017?" wants a figure.
_MEASURE = (r"share|percentage|per ?cent|proportion|rate|ratio|amount|number|level|value|figure|size|income|"
            r"gdp|growth|population|surplus|deficit|revenue|capital|investment|ranking|rank|debt|inflation|"
            rf"unemployment|exports?|imports?|value[- ]added|score|total|{MONEY_NOUNS}")


class QuestionType(str, Enum):
    YEAR = "year"  # when ...?
    NUMBER = "number"  # how much / many ...? what share ...?
    WHO = "who"  # who ...? which agency ...?: an actor or a name
    REASON = "reason"  # why ...? what explains ...?
    OUTCOME = "outcome"  # what became of ...? is it still ...?: what happened in the end
    DEFINITION = "definition"  # what is X? what is meant by X?
    PROBLEM = "problem"  # what is its weakness? what went wrong? what is holding it back?
    SEQUENCE = "sequence"  # what are the steps ...? how does ... proceed, step by step?: steps in order
    LIST = "list"  # what are the ...s? which ...s?: several items
    YES_NO = "yes_no"
    OTHER = "other"


_TYPE_PATTERNS: list[tuple[QuestionType, str]] = [
    (QuestionType.YEAR, r"^(when|since when|((by|in|on|from|until|since) )?(what|which) (year|date|day))(?![-\w])"),
    (QuestionType.REASON, r"\b(why|how come|reasons?|causes?|what explains|what accounts for|rationale)\b"),
    (QuestionType.NUMBER, rf"\bhow (much|many|fast|quickly|large|big|high|low|far)\b|"
                          rf"^(what|which) ({_MEASURE})\b|"
                          rf"^(what|which) (is|was|were|are) (the )?([\w'-]+ ){{0,5}}({_MEASURE})\b|"
                          # "What minimum wage does ...?": words that qualify the sum, not a verb
                          # ("What role does funding ...") nor a kind ("What kinds of fees ...")
                          rf"^what ((?!(does|do|did|is|are|was|were|has|have|role|kinds?|types?|sorts?|of)\b)"
                          rf"[\w'-]+ ){{1,2}}({MONEY_NOUNS})\b"),
    # After REASON and NUMBER: "Why is Vietnam still ...?" asks a cause, "How many ... still
    # exist?" a figure.
    (QuestionType.OUTCOME, r"\bwhat (became|has become|happened|has happened) (of|to)\b|"
                           r"\b(outcome|fate|end result)\b|^(is|are|was|were) ([\w'-]+ ){1,6}still\b|"
                           r"\bstill (exist|exists|running|active|in place|in operation|in force|going)\b|"
                           r"\bhow did ([\w'-]+ ){1,6}(end|turn out)\b"),
    (QuestionType.WHO, r"^(who|whom|whose)\b|^(which|what) (\w+ )?(organi[sz]ations?|agency|agencies|institutions?|"
                       r"body|bodies|ministry|ministries|firms?|compan(y|ies)|donors?|people|persons?|actors?|countr(y|ies)|"
                       r"economy|economies)\b"),
    # Before LIST: "What are the stages of ...?" asks for steps in their order.
    (QuestionType.SEQUENCE, r"\bstep[- ]by[- ]step\b|\b(the|what|which|main|key) (steps|stages)\b|\bwalk (me|us) through\b|\bin what order\b|"
                            r"\bhow does ([\w'-]+ ){1,6}(proceed|unfold|play out|progress)\b"),
    (QuestionType.LIST, r"^(list|name)\b|\b(two|three|four|five|several) [a-z]+s\b|^which [a-z]+s\b|"
                        r"^(what|which) (are|were) the (\w+ ){0,3}\w+s\b"),
    # After LIST ("Which three facts are associated with the problem ...?" asks for the facts),
    # before DEFINITION ("What is the main weakness of BUILD?" asks for no definition).
    (QuestionType.PROBLEM, r"\b(weakness(es)?|problems?|limitations?|drawbacks?|shortcomings?|obstacles?|bottlenecks?|"
                           r"constraints?|downsides?|pitfalls?|flaws?|went wrong|go wrong|goes wrong|"
                           r"hold(s|ing)? ([\w'-]+ ){0,4}back|held ([\w'-]+ ){0,4}back)\b|\bwhat is wrong\b"),
    (QuestionType.DEFINITION, r"^(what (is|are|was|were) (a |an |the )?[^?]{2,50}\??$|what is meant by\b|"
                              r"what do(es)? [^?]+ (mean|stand for)\b)|\bdefines?\b"),
    (QuestionType.YES_NO, r"^(is|are|was|were|does|did|do|can|could|should|has|have)\b"),
]


@dataclass(frozen=True)
class Question:
    text: str
    type: QuestionType
    countries: tuple[str, ...]  # canonical names, lower case ("thailand")
    years: tuple[str, ...]
    names: tuple[str, ...]  # other capitalised names and acronyms ("Vendor Development Program", "BOI")
    content: tuple[str, ...]  # content words, lower case, unstemmed
    subject: str  # what a definition question asks about ("selective industrial policy")


def analyse(text: str) -> Question:
    clean = " ".join(fold(text).split())
    clean = re.sub(r"\b(?:South|S\.) Korea\b", "Korea", clean)  # the paper's "Korea" is South Korea
    clean = re.sub(r"\bViet Nam\b", "Vietnam", clean, flags=re.IGNORECASE)  # the official spelling, two words
    # "What's Vietnam's minimum wage?" (or "whats") asks what "What is ...?" asks.
    clean = re.sub(r"\b(what|who|how|where|when|which)'?s (happened|become|been|gone|changed)\b", r"\1 has \2", clean,
                   flags=re.IGNORECASE)  # "What's happened to the ILP?"
    clean = re.sub(r"\b(what|who|how|where|when|which)'?s\b", r"\1 is", clean, flags=re.IGNORECASE)
    lower = clean.lower()
    kind = next((candidate for candidate, pattern in _TYPE_PATTERNS if re.search(pattern, lower)), QuestionType.OTHER)
    tokens = words(clean)
    countries = tuple(dict.fromkeys(DEMONYMS.get(t, t) for t in tokens if DEMONYMS.get(t, t) in COUNTRIES))
    return Question(
        text=clean,
        type=kind,
        countries=countries,
        # "following Noland and Howard (2005)" cites a work: 2005 is not a year asked about.
        years=tuple(dict.fromkeys(YEAR_RE.findall(_CITED_RE.sub(" ", clean)))),
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
    match = re.search(r"(?:what (?:is|are|was|were|does) |defines? |what is meant by )(?:an? |the )?(.+?)"
                      r"(?: mean| stand for)?\??$", text, re.IGNORECASE)
    return match.group(1).strip() if match else ""
