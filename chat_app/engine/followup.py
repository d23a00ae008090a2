"""Resolve a follow-up question against the conversation so far.

"And the Industrial Linkage Program?" after "When was Malaysia's Vendor Development Program
introduced?" becomes "When was Malaysia's Industrial Linkage Program introduced?"; "And in
2000?" swaps the year; "What is its weakness?" puts the previous subject in place of "its".
A question that stands on its own is left as it is.
"""

from __future__ import annotations

import re
from typing import Sequence

from chat_app.engine.question import COUNTRIES, YEAR_RE, proper_names
from index.tokens import DEMONYMS

_LEAD_RE = re.compile(r"^\s*(and|but|also|so)?\s*(what|how)\s+about\s+|^\s*(and|but|also)\s+(for|in|of|on)?\s*|"
                      r"^\s*(same|the same)\s+(for|question for)\s+", re.IGNORECASE)
_PRONOUN_RE = re.compile(r"\b(its|their|it|they|them|this (?:program|programme|policy|scheme|agency|country|approach)|"
                         r"that (?:program|programme|policy|scheme|agency|country|approach))\b", re.IGNORECASE)
_COUNTRY_WORDS = COUNTRIES | set(DEMONYMS)


def resolve(question: str, history: Sequence[str]) -> str:
    """The question with what it leaves out taken from the earlier questions (oldest first)."""
    return resolve_in_context(question, history)[0]


def resolve_in_context(question: str, history: Sequence[str]) -> tuple[str, str]:
    """(the resolved question, the earlier question it continues or ""). "And where is
    Indonesia ahead?" stands on its own but continues the topic of the question before
    ("In which policy area does Vietnam do better than Indonesia?"), so search sees both."""
    previous = ""
    for earlier in history:
        previous = _resolve_one(earlier, previous) if previous else earlier.strip()
    if not previous:
        return question.strip(), ""
    resolved = _resolve_one(question, previous)
    continues = bool(_LEAD_RE.match(question)) and resolved != question.strip() and previous not in resolved \
        and not _same_frame(resolved, previous)
    return resolved, previous if continues else ""


def _same_frame(resolved: str, previous: str) -> bool:
    """Whether `resolved` is `previous` with one part swapped (a substitution, not a new question)."""
    a, b = resolved.lower().split(), previous.lower().split()
    return len(a) >= 4 and len(set(a) ^ set(b)) <= 4


def _resolve_one(question: str, previous: str) -> str:
    question = question.strip()
    lead = _LEAD_RE.match(question)
    fragment = question[lead.end():].strip(" ?.!") if lead else ""
    if lead and fragment and re.match(r"(?i)^(what|who|whom|when|where|why|how|which|is|are|was|were|does|did|do|"
                                      r"can|could|should|has|have)\b", fragment):
        question = fragment[0].upper() + fragment[1:] + "?"  # "And where is Indonesia ahead?": a question of its own
    elif lead and fragment and len(fragment.split()) <= 8:
        return _substitute(previous, fragment)
    if _is_fragment(question):
        return _substitute(previous, question.strip(" ?.!"))
    if _PRONOUN_RE.search(question):
        subject = main_subject(previous)
        if subject:
            return _replace_pronoun(question, subject)
    return question


def _is_fragment(question: str) -> bool:
    """"Thailand?" or "in 2000?": too short to be a question of its own."""
    words = question.strip(" ?.!").split()
    return 0 < len(words) <= 3 and not re.match(r"(?i)^(what|who|when|why|how|which|where)\b", question)


def _substitute(previous: str, fragment: str) -> str:
    """Put `fragment` in the place of the part of `previous` of the same kind."""
    base = previous.rstrip(" ?.!")
    year = YEAR_RE.search(fragment)
    if year and len(fragment.split()) <= 3:
        if YEAR_RE.search(base):
            return YEAR_RE.sub(year.group(1), base, count=1) + "?"
        return f"{base} in {year.group(1)}?"
    fragment = re.sub(r"^(in|for|of)\s+", "", fragment, flags=re.IGNORECASE)
    country = _country_in(fragment)
    if country and len(fragment.split()) <= 2:
        old = _country_span(base)
        if old:
            return base.replace(old, _matching_form(old, fragment), 1) + "?"
        return f"{base} for {fragment}?"
    names = [n for n in proper_names(base) if n.split()[-1].lower() not in _COUNTRY_WORDS]
    if names:
        old = max(names, key=len)
        new = re.sub(r"^(the|a|an)\s+", "", fragment, flags=re.IGNORECASE)
        return base.replace(old, new, 1) + "?"
    return f"{base}: {fragment}?"


def main_subject(question: str) -> str:
    """The thing the question is about: what "What is X?" asks about, else its longest name
    with a country's possessive ("Malaysia's Vendor Development Program"), else its country."""
    base = question.strip(" ?.!")
    defined = re.match(r"(?i)^(?:what|who) (?:is|are|was|were) (?:the |a |an )?([^']+?)(?: in [A-Z]\w+)?$", base)
    if defined and len(defined.group(1).split()) <= 6:
        return defined.group(1)
    names = sorted(proper_names(base), key=len, reverse=True)
    country = _country_span(base)
    if names:
        name = names[0]
        owned = re.search(rf"\b(\w+)'s\s+{re.escape(name)}", base)
        return f"{owned.group(1)}'s {name}" if owned and owned.group(1).lower() in _COUNTRY_WORDS else name
    return country.removesuffix("'s") if country else ""


def _replace_pronoun(question: str, subject: str) -> str:
    def swap(match: re.Match) -> str:
        word = match.group(0).lower()
        if word in ("its", "their"):
            return subject + ("'" if subject.endswith("s") else "'s")
        return subject

    return _PRONOUN_RE.sub(swap, question, count=1)


def _country_in(text: str) -> str | None:
    for word in re.findall(r"[A-Za-z]+", text):
        if word.lower() in _COUNTRY_WORDS:
            return word
    return None


def _country_span(text: str) -> str | None:
    for match in re.finditer(r"\b([A-Z][a-z]+)('s)?\b", text):
        if match.group(1).lower() in _COUNTRY_WORDS:
            return match.group(0)
    return None


def _matching_form(old: str, new: str) -> str:
    """Keep the possessive of the word replaced: "Vietnam's" -> "Thailand's"."""
    new = new.strip()
    if old.endswith("'s") and not new.endswith("'s"):
        return new + "'s"
    return new
