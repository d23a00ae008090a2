"""Does a passage of text hold an answer of the type a question asks for?

One test per answer type, each a plain reading of English ("when" is answered by a year,
"why" by a cause, "who" by an actor): the reader takes the result as one feature among
others and learns how much it counts. Citations such as "(World Bank, 2019)" and pointers
such as "Table 2" are taken out first: they hold years and numbers that answer nothing.
"""

from __future__ import annotations

import re

from chat_app.engine.coverage import without_citations
from chat_app.engine.question import COUNTRIES, MONEY_NOUNS, Question, QuestionType, proper_names
from index.tokens import DEMONYMS, fold

# "Tables 1 and 2", "section 4.2": numbers that point at parts of the paper.
_POINTER_RE = re.compile(r"\b(tables?|figures?|sections?|chapters?|appendix|equations?|pages?|pp?\.)\s+\d+(\.\d+)*"
                         r"(\s+(and|to|-)\s+\d+)?", re.IGNORECASE)
_YEAR_RE = re.compile(r"\b(1[89]\d\d|20\d\d)s?\b")
# A figure: digits that are not a bare year, or a number word counting something.
_FIGURE_RE = re.compile(r"(?<![\d.\-])(?!(?:1[89]|20)\d\d\b)\d[\d,.]*|\d\s*%|\$\s*\d|(?<!-)\b(two|three|four|five|six|"
                        r"seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|hundred|thousand|"
                        r"million|billion|dozens?)\s+[a-z]+s\b", re.IGNORECASE)
_CAUSE_RE = re.compile(r"\b(because|due to|owing to|reasons?|as a result|that is why|this is why|caus(e|es|ed|ing)|"
                       r"explained by|is to blame|since|therefore|thus|hence|so that|lack|failure|unless|"
                       r"in order to|results? (in|from)|leads? to|attributed)\b", re.IGNORECASE)
# What happened in the end: a programme dropped, a goal reached, a policy still in force.
_OUTCOME_RE = re.compile(r"\b(dropped|abandoned|abolished|terminated|ended|discontinued|scrapped|replaced|failed|"
                         r"succeeded|achieved|attained|became|no longer|still|subsequently|eventually|later|"
                         r"since then|today|now|resulted|outcome)\b", re.IGNORECASE)
_ACTOR_RE = re.compile(r"\b(government|ministry|ministries|agency|agencies|council|corporation|institute|"
                       r"organi[sz]ations?|authority|board|donors?|firms|companies|private sector|officials|"
                       r"prime minister|president|experts|universit(y|ies)|bank)\b", re.IGNORECASE)
_ENUMERATION_RE = re.compile(r"\((i|ii|a|b|1|2)\)|;|:\s|\b(first(ly)?|second(ly)?|the one|the other|both|"
                             r"including|such as|namely)\b|(,[^,]+){2,}", re.IGNORECASE)
# What stands in the way: a weakness, a lack, a limit, a failure.
_PROBLEM_RE = re.compile(r"\b(weak(ness|nesses)?|problems?|limit(ed|s|ation|ations)?|lacks?|lacking|shortcomings?|"
                         r"drawbacks?|obstacles?|constraints?|bottlenecks?|prevents?|prevented|hinders?|hindered|"
                         r"fail(s|ed|ure)?|insufficient|inadequate|poor(ly)?|criticized|criticised|unable|cannot)\b",
                         re.IGNORECASE)
# A sentence that opens with a step of a sequence, in the order an author tells them.
_STEP_RE = re.compile(r"(?:^|[.!?][\"')\]]?\s+)(first(?:ly)?|initially|at first|to begin with|then|next|second(?:ly)?|"
                      r"third(?:ly)?|after that|afterwards|finally|lastly|eventually)\b", re.IGNORECASE)
_PAIR_ASKED_RE = re.compile(r"\b(two|both|pair of)\b", re.IGNORECASE)
_DEFINES = r"\b{subject}s?\b(?:\s*\([^)]*\))?,?\s+(?:is|are|was|were|refers? to|means|stands? for)\b" \
           r"|\b(?:is|are|called|known as)\s+(?:an? |the )?{subject}s?\b|\({subject}\)|\b{subject}s?\s*\("


def plain(text: str) -> str:
    """The text without source citations and pointers to tables or sections."""
    return _POINTER_RE.sub(" ", without_citations(text))


def tells_steps(text: str) -> bool:
    """The text goes through steps in order, sentence by sentence, two at least: "Initially, ...
    Then ...". One sentence's "firstly by ..., and secondly by ..." lists ways, not steps."""
    return len({m.group(1).lower() for m in _STEP_RE.finditer(text)}) >= 2


def has_year(text: str) -> bool:
    return bool(_YEAR_RE.search(plain(text)))


def has_figure(text: str) -> bool:
    return bool(_FIGURE_RE.search(plain(text)))


_SPAN_RE = re.compile(r"\b(?:between\s+)?(1[89]\d\d|20\d\d)\s*(?:-|–|—|to|until|through|and)\s*(1[89]\d\d|20\d\d)\b")
_FROM_TO_RE = re.compile(r"\bfrom\s+(?:US\\?\$\s*)?\d[\d,.]*\s*%?[^.;]{0,40}?\bto\s+(?:US\\?\$\s*)?\d")


def period_only(year: str, text: str) -> str | None:
    """The period ("2010-2018") when `text` names `year` only as an end of one and gives no
    figure for the ends ("from 67.2% to 16.3%"): "6% during the period of 2010-2018" is an
    average over the years, not the figure for 2018 alone."""
    text = plain(text)
    spans = [m for m in _SPAN_RE.finditer(text) if year in (m.group(1), m.group(2))]
    if not spans or _FROM_TO_RE.search(text):
        return None
    rest = _SPAN_RE.sub(" ", text)
    return None if re.search(rf"\b{year}\b", rest) else spans[0].group(0)


# A question after a sum of money: what something costs or is paid, spent, funded with; not
# "how much attention did X pay", "what percentage of the budget", "how much have costs risen".
_ASKS_MONEY_RE = re.compile(rf"\b({MONEY_NOUNS}|money)\b|\bhow much (funding|funds?|financing|investment)\b|"
                           r"\bhow much (did|does|do|was|were|has|have|is|are|will) "
                           r"[\w' -]+ (spend|spent|pay|paid|cost|fund|funded|invest|invested|provide|give|allocate|"
                           r"receive|commit|grant|earn|charge)\b", re.IGNORECASE)
_NOT_MONEY_RE = re.compile(r"\bhow many\b|\bper ?cent|\bpercentage|\bshare\b|\bproportion|\bratio\b|\brate\b|"
                          r"\battention\b|\b(risen|rise|rose|grow|grown|grew|increase[ds]?|fall|fell|fallen|change[ds]?)\b",
                          re.IGNORECASE)
# "... where no or little fee is charged" answers what firms pay, with no figure.
_MONEY_RE = re.compile(r"(US\\?\$|\$|€|£|¥)|\b(dollars?|yen|dong|VND|USD|euros?|birr|baht|ringgit|rupiah|fees?|"
                       r"charged|free of charge)\b", re.IGNORECASE)


def asks_money(question: Question) -> bool:
    """"How much did JICA spend on ...?", "What minimum wage ...?": a figure answers only in money."""
    return question.type is QuestionType.NUMBER and bool(_ASKS_MONEY_RE.search(question.text)) \
        and not _NOT_MONEY_RE.search(question.text)


def gives_money(text: str) -> bool:
    """The text gives its figures in a currency ("US$2,160", "750 birr", "(WB, 2019 US$)"), or
    says what is charged."""
    return bool(_MONEY_RE.search(without_citations(text)))


def gives_figure_for(question: Question, text: str) -> bool:
    """The text gives a figure for the question's country ("Vietnam's manufacturing
    value-added, at 15.3% of GDP") rather than naming it in passing ("Vietnam's ratio rose
    from 42.7% ..., joining the group of Malaysia")."""
    folded = fold(plain(text)).lower()
    for country in question.countries:
        for name in {country, *(d for d, c in DEMONYMS.items() if c == country)}:
            for match in re.finditer(rf"\b{name}", folded):
                if _FIGURE_RE.search(folded[match.end():match.end() + 60]):
                    return True
    return False


def _other_countries(question: Question, text: str) -> set[str]:
    said = {DEMONYMS.get(w, w) for w in re.findall(r"[a-z]+", fold(text).lower())}
    return (said & COUNTRIES) - set(question.countries)


def new_names(question: Question, text: str) -> set[str]:
    """Names, countries and actors the text has that the question does not (a who-answer
    names someone, a which-country answer a country)."""
    asked = {n.lower() for n in question.names} | {w.lower() for w in question.content} | set(question.countries)
    found = {n.lower() for n in proper_names(fold(text))} | {m.group(0).lower() for m in _ACTOR_RE.finditer(text)} \
        | {DEMONYMS.get(w, w) for w in re.findall(r"[a-z]+", fold(text).lower()) if DEMONYMS.get(w, w) in COUNTRIES}
    return {DEMONYMS.get(n, n) for n in found} - asked


def defines(subject: str, text: str) -> bool:
    core = re.sub(r"\s*\(.*?\)", "", subject).strip()
    if not core:
        return False
    variants = [core] + ([core.split()[0]] if len(core.split()) > 1 and len(core.split()[0]) > 3 else [])
    folded = fold(text)
    return any(re.search(_DEFINES.format(subject=re.escape(v)), folded, re.IGNORECASE) for v in variants)


def fits(question: Question, text: str) -> bool:
    """Whether `text` holds an answer of the type the question asks for."""
    kind = question.type
    if kind is QuestionType.YEAR:
        return has_year(text)
    if kind is QuestionType.NUMBER:
        # "How much ... Malaysia ...?" wants Malaysia's figure, not one given for a country
        # named beside it.
        return has_figure(text) and (not question.countries or gives_figure_for(question, text)
                                     or not _other_countries(question, text))
    if kind is QuestionType.WHO:
        return bool(new_names(question, text))
    if kind is QuestionType.REASON:
        return bool(_CAUSE_RE.search(text))
    if kind is QuestionType.OUTCOME:
        return bool(_OUTCOME_RE.search(text))
    if kind is QuestionType.DEFINITION:
        return defines(question.subject, text)
    if kind is QuestionType.PROBLEM:
        return bool(_PROBLEM_RE.search(text))
    if kind is QuestionType.SEQUENCE:
        return tells_steps(text)
    if kind is QuestionType.LIST:
        # Two items are most often joined by "and": "SME policy and FDI-local firm linkage policy".
        pair = bool(_PAIR_ASKED_RE.search(question.text)) and bool(re.search(r"\band\b", text, re.IGNORECASE))
        return pair or bool(_ENUMERATION_RE.search(text))
    return False
