"""The Streamlit app driven by AppTest, against a private copy of the paper index.

The app reads its folders from POLICY_QA_* variables; each test points them at its own tmp
copy (`paper_index_copy`), so uploads and rebuilds never touch the project's corpus. The
engine is cached per server process and keyed by the index's folder and build time, so each
test gets an engine of its own index.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.settings import Settings
from tests.helpers import ROOT, generation_dir

APP = str(ROOT / "chat_app" / "web" / "app.py")
TIMEOUT = 60
FIND = "Find passages"

NEW_DOC = """# Port Logistics Reform in Da Nang

## 1. Background

The Da Nang Port Authority introduced a single-window customs desk in 2021. Waiting times for
container ships fell from four days to thirty hours within one year of the reform.

## 2. Lessons

Officials credited the *single-window* desk (cost: US\\$5 million) and a <b>shared</b> data
platform with the gains.
"""


def _env(monkeypatch, settings: Settings, **extra) -> Settings:
    monkeypatch.setenv("POLICY_QA_CORPUS_DIR", str(settings.corpus_dir))
    monkeypatch.setenv("POLICY_QA_INDEX_DIR", str(settings.index_dir))
    monkeypatch.setenv("POLICY_QA_CACHE_DIR", str(settings.cache_dir))
    for name, value in extra.items():
        monkeypatch.setenv(f"POLICY_QA_{name.upper()}", str(value))
    return settings


@pytest.fixture
def app_settings(paper_index_copy, monkeypatch) -> Settings:
    return _env(monkeypatch, paper_index_copy)


@pytest.fixture
def app(app_settings):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def ask(at, question: str):
    at.chat_input[0].set_value(question).run()
    assert not at.exception, [e.value for e in at.exception]
    return at.chat_message[-1]


def texts(elements) -> list[str]:
    return [e.value for e in elements]


def unescape(markdown: str) -> str:
    """What a reader sees of our escaped Markdown (backslashes and bold marks dropped)."""
    import re

    return re.sub(r"\\(.)", r"\1", markdown.replace("**", ""))


def manifest(settings: Settings) -> dict:
    from index.store import read_manifest

    return read_manifest(Path(settings.index_dir))


# --- chat ----------------------------------------------------------------------------------

def test_answer_is_cited_with_a_card_per_citation(app):
    answer = ask(app, "When was BUILD established?")
    assert answer.name == "assistant"
    shown = texts(answer.markdown)
    assert "1992" in unescape(shown[0]) and "[1]" in unescape(shown[0])
    # the card: title, the quote in bold inside its passage, the neighbouring text, the label
    assert any(unescape(m).startswith("[1] 4.2. Linkage policy") for m in shown)
    assert any("**" in m and "established in 1992" in unescape(m) and "BUILD offers" in unescape(m) for m in shown)
    assert [e.label for e in answer.expander] == ["Surrounding text and quote"]
    codes = texts(answer.code)
    assert any(c.startswith("Pham, Ohno & Tran (2019), The East Asian Industrial Policy Experiences")
               and c.endswith("section 4.2") for c in codes)
    assert any(c.startswith("“For promoting FDI-local firm linkage") for c in codes)  # quote to paste
    assert app.chat_message[-2].name == "user"


def test_follow_up_shows_how_it_was_understood(app):
    ask(app, "When was BUILD established?")
    follow_up = ask(app, "And what about Malaysia?")
    understood = [unescape(c) for c in texts(follow_up.caption) if "Understood as" in unescape(c)]
    assert understood and "Malaysia" in understood[0] and understood[0] != "Understood as: And what about Malaysia?"
    # the first answer is still there, above: history belongs to the session
    assert len(app.chat_message) == 4


def test_abstention_says_so_and_lists_related_passages(app):
    answer = ask(app, "What is the inflation rate of Vietnam?")
    assert texts(answer.warning) == ["The paper does not say."]
    shown = [unescape(m) for m in texts(answer.markdown)]
    assert "Related passages" in shown
    related = [c for c in texts(answer.code) if c.startswith("Pham, Ohno & Tran (2019)")]
    assert len(related) >= 3


def test_starter_question_click_asks_it(app):
    starters = [b for b in app.button if b.key and b.key.startswith("starter-")]
    assert len(starters) >= 3
    question = starters[0].label
    starters[0].click().run()
    assert unescape(app.chat_message[0].markdown[0].value) == question
    assert app.chat_message[1].code, "the answer has a citation"
    assert not [b for b in app.button if b.key and b.key.startswith("starter-")], "starters only on an empty chat"


def test_clear_chat_and_download(app):
    ask(app, "When was BUILD established?")
    download = app.get("download_button")
    assert download and download[0].proto.label == "Download conversation"
    next(b for b in app.button if b.label == "Clear chat").click().run()
    assert len(app.chat_message) == 0
    assert [b for b in app.button if b.key and b.key.startswith("starter-")]


def test_two_sessions_chat_independently(app):
    from streamlit.testing.v1 import AppTest

    other = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    ask(app, "When was BUILD established?")
    ask(other, "What is selective industrial policy?")
    ask(other, "Who wrote the paper?")
    assert len(app.chat_message) == 2 and len(other.chat_message) == 4
    assert unescape(app.chat_message[0].markdown[0].value) == "When was BUILD established?"


def test_engine_loads_once_and_gets_the_session_history(app_settings, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from chat_app.engine import AnswerEngine
    from index.search import Searcher

    opened, histories = [], []
    real_open, real_ask = Searcher.open.__func__, AnswerEngine.ask

    def counting_open(cls, settings, embedder=None):
        opened.append((settings.index_dir, embedder))
        return real_open(cls, settings, embedder)

    def recording_ask(self, question, history=(), docs=None):
        histories.append(list(history))
        return real_ask(self, question, history, docs)

    monkeypatch.setattr(Searcher, "open", classmethod(counting_open))
    monkeypatch.setattr(AnswerEngine, "ask", recording_ask)
    first = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    second = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    for question in ("When was BUILD established?", "And what about Malaysia?", "Who wrote the paper?"):
        ask(first, question)
    ask(second, "What is kaizen?")
    assert len(opened) == 1, "one engine per server process, not one per question or session"
    assert histories == [[], ["When was BUILD established?"],
                         ["When was BUILD established?", "And what about Malaysia?"], []]
    # an accepted upload rebuilds the index and reloads the engine, keeping the model
    upload(first, "port.md", NEW_DOC.encode(), "text/markdown")
    assert len(opened) == 2 and opened[1][0] == app_settings.index_dir
    assert opened[1][1] is opened[0][1] is not None


def test_rebuild_button_on_an_up_to_date_index(app):
    app.sidebar.button(key="rebuild").click().run()
    assert any("already up to date" in unescape(s) for s in texts(app.sidebar.success))


def test_an_unreadable_index_is_reported_with_a_rebuild_button(app_settings):
    from streamlit.testing.v1 import AppTest

    (generation_dir(app_settings.index_dir) / "manifest.json").write_text("{not json", encoding="utf-8")
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert any("the index is damaged" in unescape(e) and "manifest.json is not JSON" in unescape(e)
               for e in texts(at.error))
    assert at.button(key="rebuild-broken")
    assert not at.chat_input


# --- find passages -------------------------------------------------------------------------

def test_find_passages_filtered_by_section(app):
    app.segmented_control[0].set_value(FIND).run()
    assert not app.chat_input, "no chat box in find-passages mode"
    assert "4.2. Linkage policy" in app.multiselect(key="find_sections").options
    assert app.multiselect(key="find_docs").options == ["east_asian_industrial_policy.md"]
    app.text_input(key="find_query").input("supporting industries and FDI linkage").run()
    unfiltered = [c for c in texts(app.code) if c.startswith("Pham")]
    assert len(unfiltered) == 10
    assert any(not c.endswith("section 4.2") for c in unfiltered)
    app.multiselect(key="find_sections").select("4.2. Linkage policy").run()
    labels = [c for c in texts(app.code) if c.startswith("Pham")]
    assert labels and all(c.endswith("section 4.2") for c in labels)
    assert not app.chat_message, "find mode gives passages, not answers"


def test_find_passages_browses_a_section_without_a_query(app):
    app.segmented_control[0].set_value(FIND).run()
    app.multiselect(key="find_sections").select("Abstract").run()
    titles = [unescape(m) for m in texts(app.markdown) if unescape(m).startswith("#")]
    assert titles and all(t.endswith("Abstract") for t in titles)


# --- the index: first start, stale corpus --------------------------------------------------

def test_first_start_builds_the_index(tmp_path, make_settings, monkeypatch, paper_index):
    from streamlit.testing.v1 import AppTest

    settings = _env(monkeypatch, make_settings(tmp_path))
    (settings.corpus_dir / "port.md").write_text(NEW_DOC, encoding="utf-8")
    assert not settings.index_dir.exists()
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not at.exception, [e.value for e in at.exception]
    assert manifest(settings)["files"]["port.md"]["chunks"] >= 1
    assert any("port.md" in unescape(m) for m in texts(at.sidebar.markdown))
    answer = ask(at, "When did the Da Nang Port Authority introduce a single-window customs desk?")
    assert "2021" in unescape(answer.markdown[0].value)


def test_changed_corpus_is_announced_and_rebuilt(app, app_settings):
    (app_settings.corpus_dir / "port.md").write_text(NEW_DOC, encoding="utf-8")
    app.run()
    warning = [unescape(w) for w in texts(app.warning)]
    assert warning and "new: port.md" in warning[0]
    app.button(key="rebuild-stale").click().run()
    assert not app.warning
    assert "port.md" in manifest(app_settings)["files"]


# --- uploads -------------------------------------------------------------------------------

def upload(at, name: str, data: bytes, mime: str = "application/octet-stream"):
    at.sidebar.file_uploader[0].set_value((name, data, mime)).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_good_upload_joins_the_corpus_and_the_index(app, app_settings):
    before = manifest(app_settings)
    upload(app, "port.md", NEW_DOC.encode("utf-8"), "text/markdown")
    assert any("port.md: added to the corpus" in unescape(s) for s in texts(app.sidebar.success))
    assert (app_settings.corpus_dir / "port.md").read_text(encoding="utf-8") == NEW_DOC
    after = manifest(app_settings)
    assert after["files"]["port.md"]["chunks"] >= 1 and after["built_at"] >= before["built_at"]
    assert any("port.md" in unescape(m) for m in texts(app.sidebar.markdown))
    assert not app.warning, "the index is up to date with the corpus"
    answer = ask(app, "When did the Da Nang Port Authority introduce a single-window customs desk?")
    assert "2021" in unescape(answer.markdown[0].value)
    # document text is shown as text: HTML and Markdown specials are escaped, and a Markdown
    # file reads as the reader of the paper sees it (no emphasis marks, `US\$5` is `US$5`)
    app.segmented_control[0].set_value(FIND).run()
    app.text_input(key="find_query").input("single-window desk officials credited").run()
    shown = [m for m in texts(app.markdown) if "single" in m]
    assert shown and "\\<b\\>shared\\<\\/b\\>" in shown[0] and "US\\$5 million" in shown[0]
    assert "single\\-window desk" in shown[0] and "\\*" not in shown[0]
    # the same file again: nothing to add, said plainly
    upload(app, "copy-of-port.md", NEW_DOC.encode("utf-8"), "text/markdown")
    assert any("already in the corpus as port.md" in unescape(i) for i in texts(app.sidebar.info))


def _bad_files(settings_limit_mb: int) -> list:
    from tests.pdf_fixtures import encrypted_pdf, scanned_pdf, truncated_pdf

    text = ["Industrial policy in Vietnam needs patience and capacity building."]
    return [
        ("locked.pdf", lambda: encrypted_pdf(text), "encrypted PDF"),
        ("scan.pdf", scanned_pdf, "no text layer (scanned?)"),
        ("cut.pdf", lambda: truncated_pdf(text), "corrupt PDF"),
        ("empty.md", lambda: b"", "empty file"),
        ("blank.txt", lambda: b"   \n\n  ", "empty file"),
        ("image.txt", lambda: bytes(range(256)) * 8, "not text (binary data)"),
        ("report.docx", lambda: b"PK\x03\x04 word document", "unsupported file type .docx"),
        ("fake.pdf", lambda: b"just some words, not a PDF", "corrupt PDF (no PDF header)"),
        ("big.txt", lambda: b"word " * (settings_limit_mb * 1024 * 1024 * 3 // 10), "the limit is 1 MB"),
        ("../../escape.md", lambda: NEW_DOC.encode(), "points outside the corpus folder"),
        (".hidden.md", lambda: NEW_DOC.encode(), "hidden file names"),
        ("bad:name?.md", lambda: NEW_DOC.encode(), "characters that are not allowed"),
    ]


@pytest.mark.parametrize("case", range(12), ids=[c[0] for c in _bad_files(1)])
def test_bad_upload_is_refused_with_its_reason(paper_index_copy, monkeypatch, case, tmp_path):
    from streamlit.testing.v1 import AppTest

    settings = _env(monkeypatch, paper_index_copy, max_upload_mb=1)
    name, make, reason = _bad_files(1)[case]
    corpus_before = sorted(p.name for p in settings.corpus_dir.rglob("*"))
    built_before = manifest(settings)["built_at"]
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    upload(at, name, make())
    errors = [unescape(e) for e in texts(at.sidebar.error)]
    assert len(errors) == 1 and errors[0].startswith(f"Refused: {name}: ") and reason in errors[0], errors
    assert sorted(p.name for p in settings.corpus_dir.rglob("*")) == corpus_before
    assert manifest(settings)["built_at"] == built_before, "a refused file does not rebuild the index"
    assert not list(tmp_path.parent.rglob("escape.md")), "nothing was written outside the corpus"


def test_good_and_bad_files_in_one_upload(app, app_settings):
    from tests.pdf_fixtures import scanned_pdf

    app.sidebar.file_uploader[0].set_value([("port.md", NEW_DOC.encode(), "text/markdown"),
                                            ("scan.pdf", scanned_pdf(), "application/pdf")]).run()
    assert any("port.md: added" in unescape(s) for s in texts(app.sidebar.success))
    assert any("scan.pdf: no text layer" in unescape(e) for e in texts(app.sidebar.error))
    assert set(manifest(app_settings)["files"]) == {"east_asian_industrial_policy.md", "port.md"}


# --- served on a network: answers only (issue 10, item 9) ----------------------------------

@pytest.fixture
def served_on_network():
    """The app as `make run ADDRESS=0.0.0.0` serves it (AppTest reads the same config)."""
    from streamlit import config

    before = config.get_option("server.address")
    config.set_option("server.address", "0.0.0.0")
    yield
    config.set_option("server.address", before)


def test_served_on_a_network_it_answers_but_takes_no_uploads_or_rebuilds(app_settings, served_on_network):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()

    assert not at.exception, [e.value for e in at.exception]
    assert not at.sidebar.get("file_uploader") and not [b for b in at.button if b.key and "rebuild" in b.key]
    assert any("Uploads and rebuilds are off" in c for c in texts(at.sidebar.caption))
    assert "1992" in unescape(ask(at, "When was BUILD established?").markdown[0].value)
    # a changed corpus is announced, but its rebuild is left to whoever runs the app
    (app_settings.corpus_dir / "port.md").write_text(NEW_DOC, encoding="utf-8")
    at.run()
    assert any("new: port.md" in unescape(w) for w in texts(at.warning))
    assert not [b for b in at.button if b.key and "rebuild" in b.key]


def test_served_on_a_network_with_changes_allowed(paper_index_copy, monkeypatch, served_on_network):
    from streamlit.testing.v1 import AppTest

    _env(monkeypatch, paper_index_copy, allow_remote_changes=1)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()

    assert at.sidebar.file_uploader and at.sidebar.button(key="rebuild")


# --- the corpus and the index as they may be ----------------------------------------------

def test_link_loops_and_broken_links_in_the_corpus_do_not_take_the_app_down(app_settings):
    """Issue 10, item 7: every page showed an OSError traceback from corpus_signature."""
    from streamlit.testing.v1 import AppTest

    (app_settings.corpus_dir / "loop.md").symlink_to("loop.md")
    (app_settings.corpus_dir / "dangling.md").symlink_to("missing.md")
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()

    assert not at.exception, [e.value for e in at.exception]
    assert at.chat_input
    warning = [unescape(w) for w in texts(at.warning)]
    assert warning and "new: dangling.md, loop.md" in warning[0]
    at.button(key="rebuild-stale").click().run()
    assert not at.exception and not at.warning
    assert {r["file"] for r in manifest(app_settings)["rejected"]} == {"dangling.md", "loop.md"}


def test_the_rebuild_button_repairs_a_damaged_index(app_settings):
    """Issue 10, item 2: the button said "up to date" and the index stayed broken."""
    from streamlit.testing.v1 import AppTest

    from index.store import verify_index
    from tests.helpers import add_generation

    add_generation(app_settings.index_dir)  # the kept generation lends its vectors: no embedding
    chunks = generation_dir(app_settings.index_dir) / "chunks.jsonl"
    chunks.write_text("".join(chunks.read_text().splitlines(keepends=True)[:40]))  # cut at a line
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert any("the index is damaged" in unescape(e) and "chunks.jsonl" in unescape(e) for e in texts(at.error))
    assert not at.chat_input

    at.button(key="rebuild-error").click().run()

    assert not at.exception, [e.value for e in at.exception]
    assert at.chat_input and not at.error
    verify_index(app_settings.index_dir)
    assert "1992" in unescape(ask(at, "When was BUILD established?").markdown[0].value)


def test_a_blank_question_is_refused_in_one_line(app):
    app.chat_input[0].set_value("   \t ").run()
    assert [unescape(w) for w in texts(app.warning)] == ["The question is empty."] and not app.chat_message


# --- several documents -----------------------------------------------------------------------

def test_answers_can_be_limited_to_one_document(two_documents, monkeypatch):
    """With two documents the chat offers "Answer from"; picking one limits the answer to it."""
    from streamlit.testing.v1 import AppTest

    from tests.helpers import PAPER, SECOND_DOCUMENT

    _env(monkeypatch, two_documents.settings)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not at.exception, [e.value for e in at.exception]
    chooser = next(m for m in at.multiselect if m.label == "Answer from")
    assert set(chooser.options) == {PAPER.name, SECOND_DOCUMENT.name}
    for doc in (SECOND_DOCUMENT.name, PAPER.name):
        chooser.set_value([doc]).run()
        answer = ask(at, "What is training of trainers?")
        shown = unescape(" ".join(texts(answer.caption)))  # the cards name their document
        assert doc in shown and ({PAPER.name, SECOND_DOCUMENT.name} - {doc}).pop() not in shown
    chooser.set_value([]).run()
    refusal = ask(at, "What was Vietnam's inflation rate in 2017?")
    assert "The documents do not say." in texts(refusal.warning)


# --- charts of table answers -------------------------------------------------------------------

def _chart_data(message):
    """The data of the one chart in a message, as the browser receives it (Arrow)."""
    import json

    import pyarrow as pa

    charts = message.get("vega_lite_chart")
    assert len(charts) == 1
    proto = charts[0].proto
    frame = pa.ipc.open_stream(proto.data.data).read_all().to_pandas()
    return json.loads(proto.spec), [(r.row, r.column, r.value) for r in frame.itertuples()]


def _figures_in(text: str) -> list[float]:
    import re

    return [float(f) for f in re.findall(r"(?<![\d.])\d+\.\d\d(?!\d)", text)]


def test_trend_answer_draws_a_line_of_the_cited_cells(app):
    answer = ask(app, "How did Thailand's share of manufactured goods in total exports evolve from 1985 to 2015?")
    spec, data = _chart_data(answer)
    assert spec["mark"]["type"] == "line" and spec["mark"]["invalid"] is None  # a gap breaks the line
    assert spec["title"].startswith("Table 2. Manufactured exports")
    text = unescape(answer.markdown[0].value)
    assert sorted(value for _, _, value in data) == sorted(_figures_in(text.split(" The text says")[0]))
    assert [column for _, column, _ in data] == [str(y) for y in range(1985, 2020, 5)]
    caption = unescape(texts(answer.caption)[0])
    assert caption.startswith("Source: [1] Pham, Ohno & Tran (2019)") and "section 2" in caption


def test_comparison_answer_draws_bars_and_a_gap_stays_a_gap(app):
    answer = ask(app, "How did Vietnam's share of manufactured exports evolve from 1990 to 2010?")
    _, data = _chart_data(answer)
    import math

    assert [(column, None if math.isnan(value) else value) for _, column, value in data] == \
        [("1990", None), ("1995", None), ("2000", 42.66), ("2005", 50.19), ("2010", 64.65)]
    assert "No figure in the table for Vietnam 1990, Vietnam 1995 (left as a gap)" in unescape(texts(answer.caption)[0])

    bars = ask(app, "Compare Vietnam and Korea on manufacturing value added relative to GDP in 2000")
    spec, data = _chart_data(bars)
    assert spec["mark"]["type"] == "bar" and "(% of GDP)" in spec["title"]
    assert data == [("Vietnam", "2000", 18.45), ("Korea", "2000", 26.01)]


def test_prose_answers_draw_no_chart(app):
    answer = ask(app, "When was BUILD established?")
    assert not answer.get("vega_lite_chart")
