"""policy-qa in the browser: `streamlit run chat_app/web/app.py`.

This file only draws. What it draws comes from chat_app.engine (answers, passages),
chat_app.documents.indexing (the index and its build), chat_app.documents.uploads (checking and saving files),
chat_app.web.cards and chat_app.web.highlight (source cards, document text made safe for Markdown),
chat_app.web.transcript (the conversation) and chat_app.web.starters.

Document text is never passed to Markdown unescaped, and never with unsafe_allow_html.
"""

from __future__ import annotations

import sys
from pathlib import Path

# `streamlit run chat_app/web/app.py` puts chat_app/web/ on the path, not the project root.
_ROOT = str(Path(__file__).resolve().parents[2])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

import streamlit as st  # noqa: E402

from chat_app.documents.access import REMOTE_NOTE, changes_allowed  # noqa: E402
from chat_app.documents.indexing import (IndexInfo, build, corpus_signature, describe_changes, documents_of,  # noqa: E402
                                         index_info, passages_in, sections_of)
from chat_app.documents.uploads import SUPPORTED_TYPES, add_upload  # noqa: E402
from chat_app.engine import AnswerEngine  # noqa: E402
from chat_app.records import Answer, split_refusal  # noqa: E402
from chat_app.web.cards import Card, answer_cards, hit_cards  # noqa: E402
from chat_app.web.charts import chart_of  # noqa: E402
from chat_app.web.highlight import escape_markdown, passage_markdown  # noqa: E402
from chat_app.web.starters import starter_questions  # noqa: E402
from chat_app.web.transcript import Turn, history, to_markdown  # noqa: E402
from index.hygiene import text_problem  # noqa: E402
from index.query_embedder import load_query_embedder  # noqa: E402
from index.search import CorpusStatus, Searcher  # noqa: E402
from ingest.errors import NothingIndexedError, PolicyQAError  # noqa: E402
from ingest.settings import Settings  # noqa: E402

ASK, FIND = "Ask a question", "Find passages"


# --- shared by every session of this server process ----------------------------------------

@st.cache_resource(show_spinner="Loading the question model…", max_entries=2)
def load_embedder(model: str, cache_dir: str, backend: str, _settings: Settings):
    """The question model, loaded once per server process and kept across rebuilds."""
    embedder = load_query_embedder(_settings, {"model": {"name": model}})
    embedder.embed(["warm up"])  # the first call of a model is slow; pay it here
    return embedder


@st.cache_resource(show_spinner="Loading the index…", max_entries=1)
def load_engine(index_key: str, _settings: Settings) -> AnswerEngine:
    """One engine per server process, shared by every session; reloaded when the index
    changes (`index_key` names its generation), with the same question model. The engine
    reads one generation whole, so no session ever sees two builds mixed."""
    info = index_info(_settings)
    embedder = load_embedder(info.model, str(_settings.cache_dir), _settings.query_backend, _settings)
    return AnswerEngine(Searcher.open(_settings, embedder=embedder), _settings)


@st.cache_data(max_entries=8, show_spinner=False)
def corpus_changes(index_key: str, signature: tuple, _engine: AnswerEngine) -> CorpusStatus:
    """Whether the corpus folder the index was built from has moved on; files are hashed only
    when their names, sizes or times (`signature`, from the same walk as the build's scan)
    change."""
    return _engine.searcher.corpus_status()


def may_change(settings: Settings) -> bool:
    """Uploads and rebuilds: on for an app bound to loopback (the default), off when it is
    served on a network unless the setting allows them (chat_app.documents.access)."""
    return changes_allowed(st.get_option("server.address"), settings)


def reload_engine() -> None:
    load_engine.clear()
    corpus_changes.clear()


# --- building ------------------------------------------------------------------------------

def run_build(settings: Settings, where, embedder=None) -> bool:
    """Build or update the index with a progress bar in `where`; True when it succeeded."""
    bar = where.progress(0.0, text="Starting…")
    try:
        # Another session's build (or a `python -m index build`) of this index is waited for.
        report = build(settings, lambda fraction, text: bar.progress(fraction, text=text), embedder)
    except NothingIndexedError as error:
        bar.empty()
        where.error(f"The index could not be built: {error}")
        for rejected in error.rejected:
            where.caption(escape_markdown(str(rejected)))
        return False
    bar.empty()
    reload_engine()
    if report.up_to_date:
        message = "The index is already up to date with the corpus."
    else:
        message = (f"Index updated: {len(report.files)} document(s), {report.chunks} passages"
                   f" ({report.embedded} new texts embedded) in {report.seconds:.1f} s.")
    if report.damaged:
        message += f" The index was damaged ({report.damaged}): it was built again from the documents."
    if report.rejected:
        message += " Not indexed: " + "; ".join(str(r) for r in report.rejected)
    st.session_state["build_message"] = message
    return True


def ensure_index(settings: Settings) -> IndexInfo:
    info = index_info(settings)
    if info.exists:
        return info
    if info.problem:
        st.error(escape_markdown(info.problem))
        offer_rebuild(settings, "rebuild-broken")
        st.stop()
    st.info(escape_markdown(f"No index yet: indexing the documents in {settings.corpus_dir} "
                            "(first start only)."))
    if not run_build(settings, st):
        st.stop()
    st.rerun()


def offer_rebuild(settings: Settings, key: str, label: str = "Rebuild the index", embedder=None) -> None:
    """A rebuild button where rebuilds are allowed (it repairs a damaged index: the build
    hashes every file and reads the corpus again), the reason where they are not."""
    if not may_change(settings):
        st.caption(REMOTE_NOTE)
    elif st.button(label, key=key) and run_build(settings, st, embedder):
        st.rerun()


# --- drawing answers and passages ----------------------------------------------------------

def draw_card(card: Card) -> None:
    with st.container(border=True):
        st.markdown(f"**{escape_markdown(card.title)}**")
        st.caption(escape_markdown(f"{card.doc} · {card.page}"))
        st.markdown(passage_markdown(card.passage))
        with st.expander("Surrounding text and quote"):
            st.markdown(passage_markdown(card.context))
            st.caption("Quote with citation:")
            st.code(card.memo_text, language=None, wrap_lines=True)
        st.caption("Citation (copy button on the right):")
        st.code(card.label, language=None, wrap_lines=True)


def draw_answer(answer: Answer, engine: AnswerEngine) -> None:
    if answer.rewritten_question and answer.rewritten_question != answer.question:
        st.caption(escape_markdown(f"Understood as: {answer.rewritten_question}"))
    documents = engine.searcher.data.documents
    if answer.abstained:
        head, reason = split_refusal(answer.text)
        st.warning(head)
        if reason:
            st.markdown(escape_markdown(reason))
        cards = answer_cards(answer, documents)
        if cards:
            st.markdown("**Related passages**")
        for card in cards:
            draw_card(card)
        return
    st.markdown(escape_markdown(answer.text))
    if answer.note:
        st.caption(escape_markdown(answer.note))
    chart = chart_of(answer)
    if chart is not None:
        st.altair_chart(chart.altair(), width="stretch", alt=chart.description())
        st.caption(escape_markdown(chart.caption))
        with st.expander("Figures charted"):
            st.table([{"row": r["row"], "column": r["column"], "value": "no figure" if r["value"] is None else c.text}
                      for r, c in zip(chart.rows(), chart.cells)])
    for card in answer_cards(answer, documents):
        draw_card(card)


def ask_later(question: str) -> None:
    st.session_state["pending_question"] = question


def clear_chat() -> None:
    st.session_state["turns"] = []


def draw_chat(engine: AnswerEngine, info: IndexInfo) -> None:
    turns: list[Turn] = st.session_state.setdefault("turns", [])
    documents = documents_of(engine.searcher.data.chunks)
    chosen = st.multiselect("Answer from", documents, key="ask_docs", placeholder="All documents") \
        if len(documents) > 1 else []
    typed = st.chat_input("Ask about the paper, e.g. When was BUILD established?")
    question = typed or st.session_state.pop("pending_question", None)
    problem = text_problem(question) if question else None
    if problem:  # the same check as the command lines: blank, or not valid UTF-8
        st.warning(escape_markdown(f"The question {problem}."))
        question = None
    for turn in turns:
        with st.chat_message("user"):
            st.markdown(escape_markdown(turn.question))
        with st.chat_message("assistant"):
            draw_answer(turn.answer, engine)
    if not turns and not question:
        st.markdown("Answers quote the paper and cite section and page. Try one of these:")
        for n, starter in enumerate(starter_questions(name for name, _ in info.documents)):
            st.button(starter, key=f"starter-{n}", on_click=ask_later, args=(starter,))
    if question:
        with st.chat_message("user"):
            st.markdown(escape_markdown(question))
        with st.chat_message("assistant"):
            with st.spinner("Looking in the documents…" if len(documents) > 1 else "Looking in the paper…"):
                answer = engine.ask(question, history(turns), set(chosen) or None)
            draw_answer(answer, engine)
        turns.append(Turn(question, answer))
    if turns:
        with st.container(horizontal=True):
            st.download_button("Download conversation", to_markdown(turns), file_name="policy-qa-conversation.md",
                               mime="text/markdown", on_click="ignore", icon=":material/download:")
            st.button("Clear chat", on_click=clear_chat, icon=":material/delete:")


def draw_find(engine: AnswerEngine) -> None:
    chunks = engine.searcher.data.chunks
    query = st.text_input("Find passages about", key="find_query",
                          placeholder="e.g. linkage policy in Thailand")
    docs = st.multiselect("Documents", documents_of(chunks), key="find_docs", placeholder="All documents")
    sections = st.multiselect("Sections", sections_of(chunks), key="find_sections", placeholder="All sections")
    k = st.slider("Passages to show", 3, 30, 10, key="find_k")
    doc_filter, section_filter = set(docs) or None, set(sections) or None
    problem = text_problem(query) if query.strip() else None
    if problem:
        st.warning(escape_markdown(f"The search text {problem}."))
        return
    if query.strip():
        hits = engine.find_passages(query, k, docs=doc_filter, sections=section_filter)
        st.caption(f"{len(hits)} passages, best match first.")
    elif doc_filter or section_filter:
        hits = passages_in(chunks, doc_filter, section_filter, k)
        st.caption(f"{len(hits)} passages, in reading order.")
    else:
        st.caption("Type words to look for, or pick a section to read it passage by passage.")
        return
    if not hits:
        st.info("No passage matches; try other words or fewer filters.")
    for card in hit_cards(hits, engine.searcher.data.documents):
        draw_card(card)


# --- the sidebar ---------------------------------------------------------------------------

def draw_sidebar(settings: Settings, info: IndexInfo, engine: AnswerEngine) -> None:
    with st.sidebar:
        st.subheader("Documents")
        for name, chunks in info.documents:
            st.markdown(escape_markdown(f"{name} — {chunks} passages"))
        for name, reason in info.rejected:
            st.caption(escape_markdown(f"Not indexed: {name}: {reason}"))
        st.caption(escape_markdown(f"Index built {info.built_at} with {info.model}"))
        if "build_message" in st.session_state:
            st.success(escape_markdown(st.session_state.pop("build_message")))
        if not may_change(settings):
            st.caption(REMOTE_NOTE)
            return
        if st.button("Rebuild the index", key="rebuild", icon=":material/refresh:"):
            if run_build(settings, st.sidebar, engine.searcher.embedder):
                st.rerun()

        st.subheader("Add documents")
        round_ = st.session_state.setdefault("upload_round", 0)
        files = st.file_uploader(f"PDF, Markdown or text ({SUPPORTED_TYPES}), up to {settings.max_upload_mb} MB each",
                                 accept_multiple_files=True, key=f"upload-{round_}",
                                 max_upload_size=settings.max_upload_mb)
        if files:
            outcomes = [add_upload(f.name, f.getvalue(), settings) for f in files]
            st.session_state["upload_outcomes"] = outcomes
            st.session_state["upload_round"] = round_ + 1  # a fresh, empty uploader
            if any(o.accepted for o in outcomes):
                run_build(settings, st.sidebar, engine.searcher.embedder)
            st.rerun()
        for outcome in st.session_state.get("upload_outcomes", []):
            if outcome.accepted:
                st.success(escape_markdown(outcome.message))
            elif outcome.duplicate_of:
                st.info(escape_markdown(outcome.message))
            else:
                st.error(escape_markdown(f"Refused: {outcome.message}"))


# --- the page ------------------------------------------------------------------------------

def main() -> None:
    st.set_page_config(page_title="policy-qa", page_icon=":material/menu_book:", layout="centered")
    st.title("policy-qa")
    st.caption("Cited answers from the research papers in the corpus. Every answer quotes its source.")
    try:
        settings = Settings.load()
    except PolicyQAError as error:  # a POLICY_QA_* variable with a value that cannot be used
        st.error(escape_markdown(str(error)))
        st.stop()
    try:
        info = ensure_index(settings)
        engine = load_engine(info.key, settings)
    except PolicyQAError as error:  # e.g. an index built with another model, or damaged
        st.error(escape_markdown(str(error)))
        offer_rebuild(settings, "rebuild-error")
        st.stop()

    changes = corpus_changes(info.key, corpus_signature(engine.searcher.corpus_dir), engine)
    if changes.stale:
        st.warning(escape_markdown(describe_changes(changes)))
        offer_rebuild(settings, "rebuild-stale", "Rebuild the index now", engine.searcher.embedder)
    draw_sidebar(settings, info, engine)

    mode = st.segmented_control("Mode", [ASK, FIND], default=ASK, required=True, key="mode",
                                label_visibility="collapsed")
    if mode == FIND:
        draw_find(engine)
    else:
        draw_chat(engine, info)


main()
