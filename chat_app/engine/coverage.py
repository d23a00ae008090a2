"""Does the paper cover what a question names? The checks behind abstention.

Two kinds of evidence that the paper is silent: the question names something the corpus
never mentions (a country, a programme, a topic such as "inflation"), or the passage that
would answer lacks one of the question's entities (the country, the year, the programme).
"""

from __future__ import annotations

import re

from chat_app.engine.question import UNIT_WORDS, Question
from index.tokens import DEMONYMS, tokenize, words

# Abstract nouns name a topic; if the paper never uses one, it is probably not about it.
_TOPIC_SUFFIXES = ("tion", "sion", "ment", "ity", "ism", "ance", "ence", "ship", "ure", "acy")


# A question that asks what the document says about a topic, and the topic it names.
_TOPIC_FRAME_RE = re.compile(
    r"\b(?:paper|authors?|study|report|article|document)\s+(?:\w+\s+)?(?:say|says|said|recommends?|suggests?|"
    r"proposes?|advises?|concludes?|argues?|assess(?:es)?|discuss(?:es)?|thinks?)\s+"
    # "... assess the impact of covid-19 on ...": what the topic does is no topic
    r"(?:the\s+(?:impacts?|effects?|roles?|consequences?|influences?)\s+)?(?:about|on|for|regarding|concerning|of)\s+([^?]+)|\b(?:position|view|stance)s?\b[^?]*?\b(?:on|about|regarding)\s+([^?]+)",
    re.IGNORECASE)


_CLAUSE_RE = re.compile(r"\s*(why|how|what|whether|when|where|which|who|that|if)\b", re.IGNORECASE)
_NO_TOPIC = frozenset("future prospects prospect forward onward ahead today nowadays overall general broadly "
                      "things matters issues aspects".split())


def match_form(word: str) -> str:
    """The form words are compared in: demonym to country, plural to singular."""
    word = DEMONYMS.get(word, word)
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    return word


def _one_edit(a: str, b: str) -> bool:
    """Whether b is a with one letter changed, added or removed."""
    if abs(len(a) - len(b)) > 1 or a == b:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b)) == 1
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return any(long[:i] + long[i + 1:] == short for i in range(len(long)))


def word_set(text: str) -> set[str]:
    return {match_form(w) for w in words(text)}


# "(General Statistical Office, 2018)": the year of a source, not a year the text speaks of.
_CITATION_RE = re.compile(r"\((?=[^()]*[A-Za-z])[^()]*?,?\s*(?:19|20)\d\d[a-z]?\)")


def without_citations(text: str) -> str:
    return _CITATION_RE.sub(" ", text)


class Vocabulary:
    def __init__(self, word_counts: dict[str, int], acronyms: dict[str, str]):
        self.words = {match_form(w) for w in word_counts}
        self.stems = set(tokenize(" ".join(word_counts)))
        self.acronyms = {a.lower(): long for a, long in acronyms.items()}
        self._by_start: dict[str, list[str]] = {}
        for word in self.words:
            self._by_start.setdefault(word[:2], []).append(word)

    def knows(self, word: str, exact: bool = False) -> bool:
        """The corpus uses the word, another form of it ("rank" / "ranking"), or, unless
        `exact`, a spelling one letter away (OCR wrote "Easy doing business" for "Ease of doing
        business"). Names are `exact`: "Peru" is not "per"."""
        form = match_form(word)
        if form in self.words or any(stem in self.stems for stem in tokenize(form)):
            return True
        return not exact and len(form) >= 4 and any(_one_edit(form, known) for known in self._by_start.get(form[:2], ()))

    def unknown_countries(self, question: Question) -> list[str]:
        """Countries the question asks about that the corpus never names: nothing in it can
        answer for them."""
        return [c for c in question.countries if not self.knows(c, exact=True)]

    def unknown_words(self, question: Question) -> list[str]:
        """Content words of the question (four letters or more, not units) that the corpus
        never uses: often the very thing asked about ("mining", "debt"), sometimes only a
        paraphrase ("characterize"); the abstention model weighs them."""
        return [w for w in question.content if len(w) >= 4 and w not in UNIT_WORDS and not self.knows(w)]

    def unknown_terms(self, question: Question) -> list[str]:
        """Names and content words of the question that the corpus never uses ("inflation",
        "Belt and Road Initiative"): a sign the paper is silent, unless a passage matches the
        rest of the question very closely (a paraphrase: "priority", "World War II")."""
        unknown = []
        for name in question.names:
            if any(not self.knows(w, exact=True) for w in words(name)):
                unknown.append(name)
        named = {w for n in unknown for w in words(n)}
        for word in question.content:
            # Only nouns that name a topic ("inflation", "unemployment") count: the verbs and
            # adverbs of a paraphrase ("characterize", "quickly") say nothing about coverage.
            # Units ("in percent", "as a proportion") say how a figure is given: not a topic.
            if word.endswith(_TOPIC_SUFFIXES) and len(word) >= 6 and word not in named and word not in UNIT_WORDS \
                    and not self.knows(word):
                unknown.append(word)
        return list(dict.fromkeys(unknown))

    def unknown_topic(self, question: Question) -> list[str]:
        """Words of the topic a question asks the document's view on ("What does the paper
        recommend for Vietnam's exchange rate policy?", "... position on cryptocurrency
        regulation?") that the corpus never uses: the topic itself is not covered, however close
        the passages on policy in general come. Comparatives of words it uses ("stronger")
        are not new words."""
        match = _TOPIC_FRAME_RE.search(question.text)
        if not match:
            return []
        phrase = match.group(1) or match.group(2)
        if _CLAUSE_RE.match(phrase):
            return []  # "... say about why Vietnam lags behind?": a question, not a topic
        # The words that name a topic: not the people it concerns ("policymakers"), a verb form
        # ("going"), an adverb, or a word that only places it in time ("future prospects").
        topic = [w for w in words(phrase) if len(w) >= 4 and w not in UNIT_WORDS and w not in _NO_TOPIC
                 and not w.endswith(("ing", "ly", "ers", "ors", "ists"))]
        return [w for w in dict.fromkeys(topic) if not self.knows(w) and not self._compared(w)]

    def _compared(self, word: str) -> bool:
        for ending in ("er", "est"):
            stem = word[:-len(ending)] if word.endswith(ending) else ""
            if stem and any(self.knows(form, exact=True) for form in
                            (stem, stem[:-1] if len(stem) > 2 and stem[-1] == stem[-2] else stem,
                             stem[:-1] + "y" if stem.endswith("i") else stem, stem + "e")):
                return True
        return False

    def missing_entities(self, question: Question, context_words: set[str]) -> list[str]:
        """Countries and years of the question that a passage (given as its word set) does
        not mention."""
        missing = [c for c in question.countries if match_form(c) not in context_words]
        return missing + [y for y in question.years if y not in context_words]

    def missing_names(self, question: Question, context_words: set[str], context_text: str) -> list[str]:
        """Names of the question ("Vendor Development Program", "World Bank") a passage lacks;
        an acronym's long form or a name's initials ("WB") count as the name."""
        return [n for n in question.names if not self._name_in(n, context_words, context_text)]

    def _name_in(self, name: str, context_words: set[str], context_text: str) -> bool:
        parts = [match_form(w) for w in words(name)]
        # The words given may leave out source citations; a name said in one ("(Noland and
        # Howard, 2005)") is still said.
        if all(p in context_words for p in parts) or all(p in word_set(context_text) for p in parts):
            return True
        initials = "".join(w[0] for w in name.split() if w[:1].isupper())
        if len(initials) >= 2 and re.search(rf"\b{initials}\b", context_text):
            return True
        if _numbered_initials(name, context_text):
            return True
        long_form = self.acronyms.get(re.sub(r"s$", "", name).lower())
        return bool(long_form) and all(match_form(w) in context_words for w in words(long_form))


_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5}
_ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV", 5: "V"}


def _numbered_initials(name: str, context_text: str) -> bool:
    """A numbered name written as its initials and its number: "Second World War" or "World
    War II" as "WW2" or "WWII". Only for two or more capitalised words besides the number: a
    single initial and a number ("P3") says too little."""
    numbers = [_ORDINALS.get(w.lower()) or (int(w) if w.isdigit() and len(w) == 1 else None) for w in name.split()]
    if sum(n is not None for n in numbers) != 1:
        return False
    number = next(n for n in numbers if n is not None)
    initials = "".join(w[0] for w, n in zip(name.split(), numbers) if n is None and w[:1].isupper())
    if len(initials) < 2:
        return False
    return bool(re.search(rf"\b{initials}\s?({number}|{_ROMAN[number]})\b", context_text))
