"""`python -m ingest layout-report`: how the journal PDFs of the paper read back, measured.

Not a test: it prints figures. It typesets the paper as a journal would (two columns, three
columns, one column then two, and a scan of the two-column one; tests/journal_pdf.py, which
needs requirements-test.txt), builds each into a temporary index with the real model, and
prints for each: the share of the paper's sentences intact in the chunks, whether the section
paths and the rows of Tables 1 and 2 equal the Markdown's, wrong quote pages and labels,
dev-set Recall@5 and answer accuracy (against the Markdown's), build and OCR seconds, and how
fast the crafted PDF of issue 9 is refused.
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from ingest.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
PAPER = ROOT / "corpus" / "east_asian_industrial_policy.md"
DEV = ROOT / "eval" / "dev.jsonl"


@dataclass
class Figures:
    name: str
    pages: int = 0
    sentences: str = ""
    sections_equal: bool | None = None
    tables_equal: bool | None = None
    wrong_pages: str = ""
    recall5: float = 0.0
    answers: float = 0.0
    build_seconds: float = 0.0
    read_seconds: float = 0.0


def retrieval_and_answers(settings: Settings, questions, embedder=None, adapter: bool = True) -> tuple[float, float]:
    """Dev-set Recall@5 (hybrid) and answer accuracy of the current engine on an index. Without
    `adapter`, the reader uses the plain cosine everywhere: the query adapter serves only the
    documents it was fitted on by name, so a PDF of the bundled paper never gets it, and a
    comparison of layouts should not count it for the Markdown alone."""
    from dataclasses import replace

    from chat_app.engine import AnswerEngine
    from chat_app.engine.pipeline import ABSTAIN_FEATURES
    from chat_app.engine.reader import FEATURES
    from chat_app.engine.reader_model import load_models
    from chat_app.tuning.evaluation import run_answers
    from index.evaluation import score_retrieval
    from index.search import Searcher

    searcher = Searcher.open(settings, embedder=embedder)
    ranked = {q.id: [h.chunk.text for h in searcher.search(q.question, 10)] for q in questions}
    recall = score_retrieval("hybrid", questions, ranked, [c.text for c in searcher.data.chunks]).recall[5]
    models = load_models(FEATURES, ABSTAIN_FEATURES)
    if not adapter:
        models = replace(models, reader=replace(models.reader, adapter=None))
    scores, _ = run_answers(AnswerEngine(searcher, models=models), questions)
    return recall, scores.answer_accuracy


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ingest layout-report", description=__doc__.split("\n\n")[0])
    parser.add_argument("--ocr-pages", type=int, default=None, help="scan only the first N pages (default: all)")
    parser.add_argument("--skip-crafted", action="store_true", help="do not wait for the crafted PDF's time limit")
    parser.add_argument("--build-runs", type=int, default=3, help="alternating builds for the build-time medians")
    args = parser.parse_args(argv)
    try:
        from tests.journal_pdf import LAYOUTS, TWO_COLUMN, journal_pdf, scanned_journal_pdf
        from tests.pdf_fixtures import crafted_pdf, paper_pdf
    except ImportError as error:
        print(f"error: the report typesets its PDFs with reportlab ({error}); "
              "install requirements-test.txt and run it from the project root", file=sys.stderr)
        return 1
    from index.embedder import SentenceTransformerEmbedder
    from index.evaluation import load_questions

    markdown = PAPER.read_text(encoding="utf-8")
    settings = Settings.load()
    questions = load_questions(DEV, require_gold=True)
    embedder = SentenceTransformerEmbedder(settings.model)
    two_column = journal_pdf(markdown, TWO_COLUMN)
    pdfs = {"markdown": None, "single-column": paper_pdf(markdown)}
    pdfs.update({name: journal_pdf(markdown, layout) for name, layout in LAYOUTS.items()})
    pdfs["scanned two-column"] = scanned_journal_pdf(two_column, dpi=200, pages=args.ocr_pages)
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for name, data in pdfs.items():
            print(f"building {name} ...", file=sys.stderr, flush=True)
            rows.append(_measure(name, data, Path(folder) / name.replace(" ", "-"), settings, questions, embedder))
        _print(rows)
        _build_times({"single-column": pdfs["single-column"], "two-column": two_column}, Path(folder), settings,
                     embedder, args.build_runs)
    _crafted(crafted_pdf(), settings, args.skip_crafted)
    return 0


def _build_times(pdfs: dict[str, bytes], folder: Path, settings: Settings, embedder, runs: int) -> None:
    """Build seconds of the same paper set in one column and in two, built in turn into new
    folders `runs` times each (the machine's load moves; medians of alternating runs do not)."""
    import statistics

    from index.builder import build_index

    seconds: dict[str, list[float]] = {name: [] for name in pdfs}
    for run in range(runs):
        for name, data in pdfs.items():
            root = folder / f"build-{name}-{run}"
            (root / "corpus").mkdir(parents=True)
            (root / "corpus" / "paper.pdf").write_bytes(data)
            started = time.perf_counter()
            report = build_index(settings.with_(corpus_dir=root / "corpus", index_dir=root / "index"),
                                 embedder=embedder)
            seconds[name].append(time.perf_counter() - started)
            seconds.setdefault(f"{name} texts", []).append(report.embedded)
    print("build seconds, median of {} alternating builds each: ".format(runs) + ", ".join(
        f"{name} {statistics.median(seconds[name]):.2f} s ({int(seconds[name + ' texts'][0])} texts embedded)"
        for name in pdfs))


def _measure(name: str, data: bytes | None, root: Path, settings: Settings, questions, embedder) -> Figures:
    from index.builder import build_index
    from ingest import chunk_document, load_document
    from ingest.layout_quality import (check_pages, paper_sentences, section_paths, sentence_share,
                                       table_rows)
    from ingest.records import ChunkKind
    from ingest.sentences import chunk_sentences

    corpus = root / "corpus"
    corpus.mkdir(parents=True)
    file = corpus / (PAPER.name if data is None else "paper.pdf")
    file.write_bytes(PAPER.read_bytes() if data is None else data)
    run = settings.with_(corpus_dir=corpus, index_dir=root / "index")
    markdown_doc = load_document(PAPER)
    markdown_chunks = chunk_document(markdown_doc, run.chunk_chars)
    started = time.perf_counter()
    doc = load_document(file, settings=run)
    figures = Figures(name, read_seconds=time.perf_counter() - started, pages=len(doc.pages))
    chunks = chunk_document(doc, run.chunk_chars)
    share = sentence_share(paper_sentences(markdown_doc), chunks)
    figures.sentences = f"{share.share:.1%} ({share.found}/{share.total})"
    figures.sections_equal = section_paths(chunks) == section_paths(markdown_chunks)
    figures.tables_equal = all(table_rows(chunks, t) == table_rows(markdown_chunks, t) and len(table_rows(chunks, t)) == 6
                               for t in ("Table 1.", "Table 2."))
    if data is not None and not any(p.ocr for p in doc.pages):
        texts, labels = _page_texts(data)
        sentences = [s for c in chunks if c.kind is not ChunkKind.TABLE_ROW or c.text.startswith(("Table 1.", "Table 2."))
                     for s in chunk_sentences(doc, c)]
        check = check_pages(sentences, texts, labels)
        figures.wrong_pages = f"{len(check.wrong)} of {check.checked}"
    started = time.perf_counter()
    build_index(run, embedder=embedder)
    figures.build_seconds = time.perf_counter() - started
    figures.recall5, figures.answers = retrieval_and_answers(run, questions, embedder)
    return figures


def _page_texts(data: bytes) -> tuple[list[str], list[str]]:
    import pypdfium2 as pdfium
    from pypdf import PdfReader

    document = pdfium.PdfDocument(data)
    texts = [document[i].get_textpage().get_text_range() for i in range(len(document))]
    return texts, list(PdfReader(io.BytesIO(data)).page_labels)


def _print(rows: list[Figures]) -> None:
    markdown = rows[0]
    print(f"{'':20} {'pages':>5} {'sentences intact':>19} {'sections':>8} {'T1+T2':>6} {'wrong pages':>11} "
          f"{'R@5':>5} {'answers':>7} {'read s':>7} {'build s':>7}")
    for r in rows:
        flag = lambda value: "-" if value is None else ("equal" if value else "DIFFER")
        print(f"{r.name:20} {r.pages:5} {r.sentences:>19} {flag(r.sections_equal):>8} {flag(r.tables_equal):>6} "
              f"{r.wrong_pages or '-':>11} {r.recall5:5.3f} {r.answers:7.3f} {r.read_seconds:7.2f} {r.build_seconds:7.2f}")
    print(f"Markdown: Recall@5 {markdown.recall5:.3f}, answer accuracy {markdown.answers:.3f}; "
          "bars: R@5 >= 0.95 and within 0.05, answers within 0.05, sentences >= 95%")
    scan = next((r for r in rows if r.name.startswith("scanned")), None)
    if scan is not None and scan.pages:
        print(f"OCR: {scan.read_seconds / scan.pages:.1f} s a page ({scan.pages} pages, 200 dpi scan, "
              f"read at {Settings.load().ocr_dpi} dpi)")


def _crafted(data: bytes, settings: Settings, skip: bool) -> None:
    from ingest import load_document
    from ingest.errors import UnreadableFileError

    runs = [("defaults", settings)]
    if not skip:
        runs.append((f"page limit lifted, {settings.pdf_time_limit:g} s time limit",
                     settings.with_(pdf_max_pages=10 ** 6)))
    for label, run in runs:
        started = time.perf_counter()
        try:
            load_document(Path("crafted.pdf"), data=data, settings=run)
            outcome = "read (not refused!)"
        except UnreadableFileError as error:
            outcome = str(error)
        print(f"crafted PDF ({len(data) // 1024} KB, 2,000 pages, one 2 MB stream), {label}: "
              f"{time.perf_counter() - started:.2f} s: {outcome}")
