"""Questions about a document itself: who wrote it, its title, when it was published, its DOI,
where it is published online, who paid for the work.

Such questions are not answered by what a paper argues but by what it says about itself on
its first page: the by-lines, the title line, the publication line. The reader's features
(words shared with the question, the type of answer) see nothing of that: "Who are the
authors?" shares no word with "Hong Chuong Pham National Economics University". So these
are found directly: the document's front-matter sentences that hold its authors' names (from
its citation facts, `DocumentMeta`, when known), its title, a DOI, a publication date. The
answer quotes them, so it is cited like any other.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from typing import TYPE_CHECKING

from index.store import StoredDocument
from ingest.records import FRONT_MATTER, Chunk, ChunkKind, section_topic

if TYPE_CHECKING:
    from chat_app.engine.reader import Reader

_DOCUMENT = r"(paper|article|report|study|document)"
# The work itself, not what it reports on: "this research?", "the study itself", "the research
# behind this study", but not "the research institutes of Taiwan", "the work of JICA", "the study
# tours". Named by what may follow it.
_WORK = r"(this|the|their|its|your)\s+(research|study|paper|article|report|work)" \
        r"(?=\s*($|[?.,;:!]|(by|behind|itself|and|or|from|with|in full|was|were|is|been|funded|financed|" \
        r"sponsored|paid)\b))"
_EMPHASIS = r"(special|main|particular|primary|chief|central) (focus|attention|emphasis)"
_PAID = r"funded|financed|paid for|sponsored|financially supported"
ASKS = (
    ("authors", re.compile(r"^(who (wrote|authored|are|were|is|was) (the |this |its )?(\w+ )?(authors?|writers?)\b|"
                           r"who wrote\b|(what|which) are the (names of the )?authors\b|(list|name) the authors\b|"
                           r"by whom was\b)|\bauthors? of (the|this) (paper|article|report|study|document)\b|"
                           # "Which of the three authors are based in Hanoi?": their by-lines say; not
                           # "Which authors are cited for ...?", the works the paper cites
                           r"\bwhich of the (\w+ )?authors?\b|\bwhich authors? (is|are|was|were) (based|from|affiliated|"
                           r"located)\b|\bwhich authors? (works?|lives?|comes?) (at|in|from)\b",
                           re.IGNORECASE)),
    ("title", re.compile(r"\b(full )?title of (the|this|that) (paper|article|report|study|document)\b|"
                         r"^what is (the|this|its) (\w+ )?(paper|article|report|study|document)('s)? (full )?title\b|"
                         r"^what is (the|this) (paper|article|report|study) called\b", re.IGNORECASE)),
    # "When was the Master Plan issued?" asks what the paper reports: "the" needs a word for
    # the document itself.
    ("date", re.compile(rf"^(when|(in )?(what|which) year) (was|did|is) (it|this|(the|this) (\w+ )?{_DOCUMENT}) "
                        r"(first )?(published|released|issued|written|come out|appear|get published)\b|"
                        r"\b(publication date|date of publication|published on|published in which)\b", re.IGNORECASE)),
    ("doi", re.compile(r"\bdoi\b", re.IGNORECASE)),
    # What the work is about as a whole, which its abstract says in its first sentence; not
    # "What does the paper say about X?" nor "What is Malaysia's SME policy focused on?".
    ("scope", re.compile(rf"^(?!why\b)(?=.*(\b(does|do|did) (this|the|its) (\w+ )?({_DOCUMENT}|overview|review|authors?) (\w+ )?"
                         rf"(mainly |mostly |chiefly |primarily )?(focus|concentrate|cent(er|re)|zoom in|home in|"
                         rf"spotlight)\b|"
                         rf"\b{_EMPHASIS}\b[^?]*\b(this|the) ({_DOCUMENT}|overview|review)\b|"
                         rf"\b(this|the) ({_DOCUMENT}|overview|review)\b[^?]*\b{_EMPHASIS}\b|"
                         rf"\b(this|the) ({_DOCUMENT}|overview|review)('s)? (main |central |special |primary )?"
                         rf"(focus|topic|subject|theme|scope)\b|"
                         rf"\bwhat (is|was) (this|the) {_DOCUMENT} (mainly |mostly |chiefly |primarily |really )?about"
                         rf"(,? (in (a nutshell|short|brief|sum|one sentence|a few words)|briefly|overall))?\s*\??$|"
                         rf"\bwhat (is|are) the (main |central )?(focus|topic|subject|theme)s? of (this|the) {_DOCUMENT}\b))",
                         re.IGNORECASE)),
    # Only of the work itself: "Who funded the BUILD unit?" asks what the paper reports.
    ("funding", re.compile(rf"\b(funds?|finances|pays? for|sponsors?|{_PAID})\s+(for\s+)?{_WORK}|"
                           rf"\b{_WORK}\s+((was|is|were|been)\s+)?({_PAID})\b|"
                           rf"\b(funding|financing|financial support|sponsorship|grants?|funders?|sponsors?)"
                           rf"(\s+(source|body|agency|organi[sz]ation))?\s+(of|for|behind)\s+{_WORK}|"
                           # the code of the project that paid for it, which a funding note gives
                           rf"\b(project|grant|funding)( file)? (number|no\.?|code|reference)\b|"
                           rf"\b(code|number) of the ((government-)?funded |underlying |research )(project|study|grant)\b|"
                           # the larger study the work itself is part of, which a funding note names:
                           # "What larger research project does this paper belong to?"; not "Is BUILD
                           # part of a broader programme?"
                           rf"^(?=.*\b((this|the|its) ({_DOCUMENT}|research|work)|it)\b).*?"
                           rf"(\b(larger|bigger|broader|wider|major|overall|parent) (research )?(project|study|programme|"
                           rf"program|research)\b(?=.*\b(belongs?|belonged|part of)\b)|"
                           rf"\b(belongs?|belonged|part of)\b.*\b(larger|bigger|broader|wider|major|overall|parent) "
                           rf"(research )?(project|study|programme|program|research)\b)",
                           re.IGNORECASE)),
    # The document's own address, not one it mentions: "the website of JETRO" is not asked here.
    ("website", re.compile(rf"\b(which|what) ([\w'-]+ )?(website|web ?site|url|web address)\b[^?]*\b(the|this|its) "
                           rf"{_DOCUMENT}\b|"
                           rf"\b(website|web ?site|url|web address) (of|for) (the|this) {_DOCUMENT}\b|"
                           rf"\b{_DOCUMENT}'s (website|url|web address)\b|"
                           rf"\b(is|was) (it|(the|this) {_DOCUMENT}) (hosted|available online|published online)\b|"
                           rf"\bfind (it|(the|this) {_DOCUMENT}) online\b", re.IGNORECASE)),
)
_AFFILIATION_RE = re.compile(r"\b(institutions?|universit(y|ies)|affiliat\w*|employers?|work (at|for|in)|works? at|"
                             r"based (at|in)|organi[sz]ations?)\b", re.IGNORECASE)
_SAYS_RE = re.compile(r"\b(say|says|said|argues?|recommends?|suggests?|according to|thinks?|believes?|proposes?|"
                      r"should)\b", re.IGNORECASE)
# The abstract's sentence about the work itself ("This paper reviews ..."), before its background.
_SELF_RE = re.compile(r"\b(this|the present|our) (paper|report|study|article|review)\b", re.IGNORECASE)
_DOI_RE = re.compile(r"\bDOI\b|\b10\.\d{4,9}/\S+", re.IGNORECASE)
_URL_RE = re.compile(r"\bwww\.\S+|\bhttps?://\S+", re.IGNORECASE)
# Where a paper says who paid for it: a section of its own (a title that is only that, not "2.
# Financial support for SMEs"), or a funding note on its first page.
_FUNDING_SECTION_RE = re.compile(r"^(acknowledge?ments?|funding( statement| information| sources?)?|"
                                 r"financial (support|disclosure)s?)$", re.IGNORECASE)
_ABSTRACT_SECTION_RE = re.compile(r"^(abstract|summary|executive summary)$", re.IGNORECASE)
_FUNDING_RE = re.compile(r"\b(funded|funding|financed|financing|sponsored|sponsorship|grant (no\.?|number)|grants? from|"
                         r"financial support|supported by|paid for)\b", re.IGNORECASE)
_PUBLISHED_RE = re.compile(r"\b(publication date|published|date of publication)\b.*\b(19|20)\d\d\b", re.IGNORECASE)
FRONT_SENTENCES = 25  # how far into a document its front matter is looked for


@dataclass(frozen=True)
class MetaQuote:
    """The sentences (rows of IndexData.sentences) that answer a question about a document."""

    asks: str
    rows: tuple[int, ...]


def asks_about_document(question: str) -> str | None:
    """"authors", "title", "date", "doi", "scope", "funding" or "website" when the question
    asks about the document itself."""
    return next((name for name, pattern in ASKS if pattern.search(question)), None)


def meta_quote(question: str, doc: str, reader: "Reader") -> MetaQuote | None:
    """The document's lines that answer a question about it; a question that asks two things
    of it ("When did this article come out, and what's its DOI?") gets the lines of both."""
    document = reader.data.documents.get(doc)
    if document is None:
        return None
    # Each part of "Who wrote the paper, and when was it published?" may ask its own thing.
    parts = [question] + [p for p in re.split(r",?\s+and\s+|;\s*|\?\s+", question) if p and p != question]
    kinds = list(dict.fromkeys(name for part in parts for name, pattern in ASKS if pattern.search(part.strip()))) \
        or (["authors"] if _asks_affiliation(question, document) else [])
    found = [(kind, _rows_for(kind, doc, document, reader)) for kind in kinds]
    found = [(kind, rows) for kind, rows in found if rows]
    if not found:
        return None
    rows = tuple(dict.fromkeys(row for _, kind_rows in found for row in kind_rows))
    return MetaQuote(found[0][0], rows)


def _rows_for(asks: str, doc: str, document: StoredDocument, reader: "Reader") -> tuple[int, ...]:
    chunks = [c for c in reader.chunks_of_doc.get(doc, []) if c.kind is not ChunkKind.TABLE_ROW]
    first_page = [c for c in chunks if c.section == FRONT_MATTER]

    def rows_of(selected: list[Chunk]) -> list[int]:
        return [row for chunk in selected for row in reader.rows_of_chunk.get(chunk.id, [])]

    if asks == "scope":
        # The abstract's first sentence says what the work covers; without an abstract the
        # reader looks, as for any question.
        abstract = rows_of([c for c in chunks if _ABSTRACT_SECTION_RE.match(section_topic(c.section).strip())])
        own = [row for row in abstract if _SELF_RE.search(reader.data.sentences[row].text)]
        return tuple((own or abstract)[:1])
    if asks == "funding":
        # The acknowledgements usually close a paper; a funding note may sit on its first page.
        # A document with neither has no answer here (the reader still looks).
        funding = [c for c in chunks if _FUNDING_SECTION_RE.match(section_topic(c.section).strip())]
        rows = rows_of(funding) + rows_of(first_page)[:FRONT_SENTENCES]
    else:
        # By-lines and the title stand before the first heading; the DOI and the publication
        # line may follow the abstract. Either way, within the first chunks of the document.
        front = first_page or chunks[:1]
        if asks in ("date", "doi", "website"):
            front = front + [c for c in chunks[:3] if c not in front]
        rows = rows_of(front)[:FRONT_SENTENCES]
    rows = [row for row in rows if _says(asks, reader.data.sentences[row].text, document)]
    return tuple(rows[:6] if asks == "authors" else rows[:1])


def _asks_affiliation(question: str, document: StoredDocument) -> bool:
    """"Which institution do Pham and Tran work at?": where the document's own authors, named
    in the question, work (their by-lines say it)."""
    if not _AFFILIATION_RE.search(question) or _SAYS_RE.search(question):
        return False  # "Which institutions does Ohno say should lead SME policy?" asks what it argues
    # "Ohno (2014)" is a work the paper cites, not its author.
    named = {m.group(1).lower() for m in re.finditer(r"\b([A-Za-z]+)\b(?!,?\s*\(?(19|20)\d\d)", question)}
    return bool(_surnames(document) & named)


def _surnames(document: StoredDocument) -> set[str]:
    return {a.split()[-1].lower() for a in document.meta.authors if a.split()}


def _says(asks: str, text: str, document: StoredDocument) -> bool:
    if asks == "title":
        return bool(document.meta.title) and _plain(text) == _plain(document.meta.title)
    if asks == "authors":
        surnames = _surnames(document) | {w.lower() for w in re.findall(r"[A-Z][a-z]+", document.meta.short_authors)}
        words = {w.lower() for w in re.findall(r"[A-Za-z]+", text)}
        return bool(surnames & words) and not _plain(text) == _plain(document.meta.title)
    if asks == "date":
        return bool(_PUBLISHED_RE.search(text))
    if asks == "funding":
        return bool(_FUNDING_RE.search(text))
    if asks == "website":
        return bool(_URL_RE.search(text))
    return bool(_DOI_RE.search(text))


def _plain(text: str) -> str:
    return " ".join(re.sub(r"[*#_]", " ", text).split()).lower()
