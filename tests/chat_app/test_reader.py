"""The reader: its candidates, its features, the fitted model and how it is fitted."""

from __future__ import annotations

import json
from types import SimpleNamespace

import numpy as np
from chat_app.engine.pipeline import ABSTAIN_FEATURES
from chat_app.engine.question import analyse
from chat_app.tuning.fitting import Example, fit_reader, top_is_right
from chat_app.engine.reader import FEATURES, MAX_SPAN
from chat_app.engine.reader_model import MODEL_PATH, load_models
from chat_app.tuning.sets import HELD_OUT
from ingest.records import ChunkKind
from tests.helpers import ROOT


def test_candidates_are_runs_of_consecutive_sentences_and_rows_with_a_cell(engine):
    found = engine.deliberate("When was Malaysia's Vendor Development Program introduced?")
    assert found.candidates and found.features.shape == (len(found.candidates), len(FEATURES))
    for candidate in found.candidates:
        rows = engine.reader.rows_of_chunk[candidate.chunk.id]
        at = rows.index(candidate.rows[0])
        assert list(candidate.rows) == rows[at:at + len(candidate.rows)]  # consecutive, one passage
        assert 1 <= len(candidate.rows) <= MAX_SPAN
        if candidate.chunk.kind is ChunkKind.TABLE_ROW:
            assert candidate.cell is not None and len(candidate.rows) == 1
        # every candidate's passage names the question's country
        assert "malaysia" in engine.reader.passage_words(candidate.chunk)


def test_a_table_row_answers_only_for_the_table_the_question_measures(engine):
    found = engine.deliberate("What share of Vietnam's total exports were manufactured goods in 2010?")
    rows = [c for c in found.candidates if c.chunk.kind is ChunkKind.TABLE_ROW]
    assert rows and all(c.chunk.table_title.startswith("Table 2") for c in rows)


def test_the_shipped_model_matches_the_reader_and_was_fitted_on_training_sets_only():
    models = load_models(FEATURES, ABSTAIN_FEATURES)
    assert models.reader.linear.features == FEATURES
    record = json.loads(MODEL_PATH.read_text())
    trained_on = {entry["file"] for entry in record["provenance"]["train"]}
    assert trained_on and not trained_on & {str(path) for path in HELD_OUT}
    # the features every answer rests on push the way they should
    weights = dict(zip(FEATURES, models.reader.linear.weights))
    assert weights["overlap"] > 0 and weights["answer_type"] > 0 and weights["adapted_similarity"] > 0
    # where the adapter does not serve, adapted_similarity is the plain cosine: the two weigh together
    assert weights["similarity"] + weights["adapted_similarity"] > 0
    assert 0 < models.abstain.threshold < 1


def test_a_table_row_without_a_label_answers_for_nobody():
    from chat_app.engine.question import analyse
    from chat_app.engine.table_answer import cell_for
    from ingest.records import Chunk

    def row(label: str) -> Chunk:
        cells = (("Park", label), ("2018", "101.7"))
        return Chunk("id", "doc", "s", ("s",), ChunkKind.TABLE_ROW, "t", 0, 1,
                     table_title="Table 1. Exports of parks (US$ million)", cells=cells)

    question = analyse("What were the combined exports of the parks in 2018?")
    assert cell_for(question, row("")) is None
    assert cell_for(question, row("Total")).value == "101.7"


def test_training_refuses_held_out_sets_and_too_little_to_fit(paper_index, tmp_path, capsys):
    from chat_app.cli.commands import main

    index = str(paper_index.settings.index_dir)
    assert main(["train", "--gold", str(ROOT / "eval" / "test.jsonl"), "--out", str(tmp_path / "m.json"),
                 "--index", index]) == 1
    assert capsys.readouterr().err.strip().endswith("is the held-out set eval/test.jsonl; the reader is never fitted on it")
    few = tmp_path / "few.jsonl"
    few.write_text("".join(line for line in (ROOT / "eval" / "train.jsonl").read_text().splitlines(keepends=True)[:4]))
    assert main(["train", "--gold", str(few), "--out", str(tmp_path / "m.json"), "--index", index]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: training questions:") and "fitting needs at least 10" in err
    assert not (tmp_path / "m.json").exists()


def test_the_conditional_logit_recovers_the_feature_that_decides():
    """Synthetic questions: the answering candidate is the one with the highest feature 0;
    the other features are noise. Fitted on 60 questions, it picks the answer of 9 in 10 new ones
    (close calls between two candidates are where the noise features tip it)."""
    rng = np.random.default_rng(0)

    def question() -> Example:
        x = rng.normal(size=(12, len(FEATURES))).astype(np.float32)
        positive = x[:, 0] == x[:, 0].max()
        return Example(gold=None, found=SimpleNamespace(features=x), positive=positive)

    model = fit_reader([question() for _ in range(60)], l2=0.1)
    weights = model.linear.weights
    assert weights[0] > 3 * np.abs(weights[1:]).max()
    assert sum(top_is_right(model, question()) for _ in range(40)) >= 36


def test_the_reader_l2_moves_from_its_default_only_for_more_than_one_question(monkeypatch):
    """CV accuracies a question apart are noise: the default strength stays unless another is
    better by more than one answerable question in CV."""
    from chat_app.tuning import fitting

    rng = np.random.default_rng(1)

    def question() -> Example:
        x = rng.normal(size=(8, len(FEATURES))).astype(np.float32)
        return Example(gold=SimpleNamespace(answerable=True), found=SimpleNamespace(features=x, candidates=list(x)),
                       positive=x[:, 0] == x[:, 0].max())

    examples = [question() for _ in range(40)]
    for margin, chosen in ((0.5, fitting.READER_L2_DEFAULT), (1.0, fitting.READER_L2_DEFAULT), (2.0, 0.01)):
        # top-1 right per L2: the default's figure, and 0.01 better by `margin` questions
        right = {l2: 20 + (margin if l2 == 0.01 else 0) for l2 in fitting.READER_L2}
        monkeypatch.setattr(fitting, "fit_reader", lambda ex, l2, drop=frozenset(): SimpleNamespace(
            l2=l2, score=lambda features: np.zeros(len(features))))
        monkeypatch.setattr(fitting, "top_is_right", lambda model, example: right[model.l2] / 40)
        best, accuracy, _ = fitting.cross_validate_reader(examples, seeds=(fitting.SEED,))
        assert best == chosen, accuracy


def test_train_command_fits_and_writes_a_loadable_model(paper_index, tmp_path, capsys):
    from chat_app.cli.commands import main

    out = tmp_path / "model.json"
    assert main(["train", "--gold", str(ROOT / "eval" / "train.jsonl"), "--out", str(out),
                 "--index", str(paper_index.settings.index_dir)]) == 0
    printed = capsys.readouterr().out
    assert "CV top-1 accuracy" in printed and str(out) in printed
    models = load_models(FEATURES, ABSTAIN_FEATURES, out)
    cv = json.loads(out.read_text())["provenance"]["reader"]["cv_top1_accuracy"]
    assert max(cv.values()) > 0.6  # cross-validated on 114 questions it fitted without
    assert models.reader.linear.features == FEATURES


def test_the_adapter_learns_the_map_from_questions_to_the_sentences_that_answer_them():
    """Synthetic: questions are a fixed rotation of their answering sentence plus noise, so the
    plain cosine mostly picks the wrong sentence. Fitted on 300 questions, the adapted question
    picks the answer of most of 100 new ones; with no answered question it is the identity."""
    from chat_app.engine.reader_model import QueryAdapter
    from chat_app.tuning.adapter import fit_adapter

    rng = np.random.default_rng(1)
    dim = 16
    sentences = rng.normal(size=(60, dim))
    sentences /= np.linalg.norm(sentences, axis=1, keepdims=True)
    rotation = np.linalg.qr(rng.normal(size=(dim, dim)))[0]

    def question() -> tuple[np.ndarray, list[int], set[int]]:
        rows = sorted(rng.choice(60, size=12, replace=False).tolist())
        answer = rows[int(rng.integers(12))]
        vector = sentences[answer] @ rotation + 0.3 * rng.normal(size=dim)
        return vector / np.linalg.norm(vector), rows, {answer}

    def right(pick) -> int:
        return sum(max(rows, key=lambda r: float(sentences[r] @ pick(v))) in answer for v, rows, answer in new)

    adapter = fit_adapter([question() for _ in range(300)], sentences, "m", frozenset({"doc"}), l2=0.001)
    new = [question() for _ in range(100)]
    plain, adapted = right(lambda v: v), right(adapter.apply)
    assert adapted >= 80 and adapted >= plain + 40, (plain, adapted)
    identity = fit_adapter([(v, rows, set()) for v, rows, _ in new], sentences, "m", frozenset())
    assert isinstance(identity, QueryAdapter) and not identity.matrix.any()
    assert identity.applies_to("m", dim) and not identity.applies_to("other model", dim)


def test_the_shipped_adapter_reads_only_the_documents_it_was_fitted_on(two_documents):
    """In an index of the paper and a report the adapter never saw (Ethiopia's parks), a
    question read from the paper alone gets the adapted cosine; as soon as its candidates come
    from both documents, every candidate gets the plain cosine alike."""
    adapter = two_documents.models.reader.adapter
    assert adapter is not None and adapter.documents == {"east_asian_industrial_policy.md"}
    adapted, plain = FEATURES.index("adapted_similarity"), FEATURES.index("similarity")
    found = two_documents.deliberate("Who carries out Japanese technical cooperation projects for SMEs in Vietnam?")
    assert {c.chunk.doc for c in found.candidates} == {"east_asian_industrial_policy.md"}
    assert not np.allclose(found.features[:, adapted], found.features[:, plain])
    found = two_documents.deliberate("How is training of trainers usually done?")
    assert {c.chunk.doc for c in found.candidates} == {"east_asian_industrial_policy.md",
                                                       "ethiopia_industrial_parks.md"}
    assert np.array_equal(found.features[:, adapted], found.features[:, plain])


def test_a_model_whose_adapter_matrix_was_changed_or_lost_is_refused_in_one_line(tmp_path):
    import pytest

    from chat_app.engine.reader_model import save_models
    from ingest.errors import SettingsError

    models = load_models(FEATURES, ABSTAIN_FEATURES)
    save_models(models, tmp_path / "m.json")
    [matrix] = tmp_path.glob("m.adapter.*.npy")
    assert not list(tmp_path.glob(".*.tmp-*"))  # both files moved into place
    loaded = load_models(FEATURES, ABSTAIN_FEATURES, tmp_path / "m.json")
    assert np.array_equal(loaded.reader.adapter.matrix, models.reader.adapter.matrix)
    assert loaded.reader.adapter.documents == models.reader.adapter.documents
    data = bytearray(matrix.read_bytes())
    data[-1] ^= 1
    matrix.write_bytes(bytes(data))
    with pytest.raises(SettingsError, match=rf"^{tmp_path / 'm.json'}: .*{matrix.name} is not the matrix .*checksum differs[^\n]*$"):
        load_models(FEATURES, ABSTAIN_FEATURES, tmp_path / "m.json")
    matrix.unlink()
    with pytest.raises(SettingsError, match=rf"^[^\n]*No such file[^\n]*{matrix.name}[^\n]*refit it with"):
        load_models(FEATURES, ABSTAIN_FEATURES, tmp_path / "m.json")


def test_a_save_that_fails_midway_leaves_the_model_before_it_loadable(tmp_path, monkeypatch):
    """The matrix is named by its checksum and the old one removed only after the new JSON is
    in place: a write of the JSON that fails (a full disk) leaves the old pair whole."""
    from dataclasses import replace
    from pathlib import Path

    import pytest

    from chat_app.engine.reader_model import QueryAdapter, save_models

    models = load_models(FEATURES, ABSTAIN_FEATURES)
    save_models(models, tmp_path / "m.json")
    before = (tmp_path / "m.json").read_text()
    adapter = models.reader.adapter
    changed = replace(models, reader=replace(models.reader, adapter=QueryAdapter(adapter.matrix * 0.5, adapter.model,
                                                                                 adapter.documents)))
    import chat_app.engine.reader_model as reader_model

    real = reader_model.write_atomically

    def full_disk(path, data, durable=False):  # the matrix is written, the JSON naming it is not
        if path.name.endswith(".json"):
            raise OSError(28, "No space left on device")
        return real(path, data, durable)

    monkeypatch.setattr(reader_model, "write_atomically", full_disk)
    with pytest.raises(OSError):
        save_models(changed, tmp_path / "m.json")
    monkeypatch.undo()
    assert (tmp_path / "m.json").read_text() == before
    loaded = load_models(FEATURES, ABSTAIN_FEATURES, tmp_path / "m.json")
    assert np.array_equal(loaded.reader.adapter.matrix, adapter.matrix)
    save_models(changed, tmp_path / "m.json")  # the next save that succeeds leaves one matrix
    assert len(list(tmp_path.glob("m.adapter.*.npy"))) == 1
    assert np.allclose(load_models(FEATURES, ABSTAIN_FEATURES, tmp_path / "m.json").reader.adapter.matrix,
                       adapter.matrix * 0.5)


def test_an_adapter_fitted_for_another_model_leaves_the_plain_cosine(engine):
    from chat_app.engine.reader_model import QueryAdapter

    adapter = engine.models.reader.adapter
    found = engine.deliberate("Who carries out Japanese technical cooperation projects for SMEs in Vietnam?")
    plain = found.features[:, FEATURES.index("similarity")]
    own = engine.reader.adapted_similarity(found.candidates, found.vector, adapter)
    other = engine.reader.adapted_similarity(found.candidates, found.vector,
                                             QueryAdapter(adapter.matrix, "another-model", adapter.documents))
    assert np.array_equal(own, found.features[:, FEATURES.index("adapted_similarity")])
    assert not np.allclose(own, plain) and np.array_equal(other, plain)


def test_no_training_question_gets_its_adapted_feature_from_an_adapter_fitted_on_it(monkeypatch):
    import chat_app.tuning.fitting as fitting

    examples = [Example(gold=None, found=None, positive=np.array([True])) for _ in range(23)]
    fitted_on, applied_to, markers = {}, {}, []

    def fit_query_adapter(engine, chosen):
        marker = object()
        markers.append(marker)  # alive to the end: no other marker gets its id
        fitted_on[id(marker)] = {id(e) for e in chosen}
        return marker

    def adapt(engine, chosen, adapter):
        for e in chosen:
            applied_to.setdefault(id(e), []).append(id(adapter))

    monkeypatch.setattr(fitting, "fit_query_adapter", fit_query_adapter)
    monkeypatch.setattr(fitting, "adapt", adapt)
    fitting.adapt_out_of_fold(None, examples)
    assert sorted(applied_to) == sorted(id(e) for e in examples)
    for example, adapters in applied_to.items():
        assert len(adapters) == 1 and example not in fitted_on[adapters[0]]
        assert len(fitted_on[adapters[0]]) >= len(examples) * 3 // 4  # fitted on the other folds


def test_a_run_that_leans_back_leaves_room_to_quote_what_it_leans_on(engine):
    from chat_app.engine.reader import leans_back

    found = engine.deliberate("How is training of trainers usually done?")
    leaning = [c for c in found.candidates if c.cell is None and leans_back(engine.searcher.data.sentences[c.rows[0]].text)
               and engine.reader.rows_of_chunk[c.chunk.id].index(c.rows[0]) > 0]
    assert leaning and max(len(c.rows) for c in leaning) == 2
    # A chain: "This is usually done ..." leans on "It is a common practice ...", which leans on
    # the sentence that names training of trainers. Quoted alone, it is quoted with both.
    sentences = engine.searcher.data.sentences
    [this] = [c for c in leaning if sentences[c.rows[0]].text.startswith("This is usually done") and len(c.rows) == 1]
    quoted = engine.quoted_rows(this, analyse("What is it?"))
    assert len(quoted) == 3 and quoted[1:] == (quoted[0] + 1, this.rows[0])
    assert sentences[quoted[0]].text.startswith("A related issue is the importance of training of trainers")
    answer = engine.ask("How is training of trainers usually done?")
    assert "training of trainers" in answer.text.lower() and "visiting firms together" in answer.text
    assert answer.citations[0].quote.startswith("A related issue is the importance of training of trainers")


def test_a_passage_counts_the_words_its_paragraph_said_before_the_chunk_size_split_it(engine):
    """"Differences among these five economies ..." opens a chunk where the chunk size split its
    paragraph: the five countries a question names are counted from the paragraph's start."""
    from index.tokens import tokenize

    sentences = engine.searcher.data.sentences
    [row] = [r for r, s in enumerate(sentences) if s.text.startswith("Differences among these five economies")]
    chunk = engine.reader.chunks[sentences[row].chunk_id]
    split_off = engine.reader.split_off_stems(chunk)
    assert set(tokenize("Singapore Taiwan Malaysia Thailand Indonesia")) <= split_off
    found = engine.deliberate("Singapore, Malaysia, Thailand and Indonesia had similar policies: why are incomes so "
                              "different?")
    [i] = [i for i, c in enumerate(found.candidates) if c.rows == (row,)]
    assert found.features[i][FEATURES.index("overlap")] >= 0.5
    # a paragraph that opens its chunk has nothing split off
    [row] = [r for r, s in enumerate(sentences) if s.text.startswith("However, the presence of MNCs")]
    assert not engine.reader.split_off_stems(engine.reader.chunks[sentences[row].chunk_id])


def test_steps_are_quoted_from_the_first_step(engine):
    """A run that opens on the last step ("Finally, ...") leans back through "Then ..." to
    "Initially, ..."; with the sentence after it, the chain is over MAX_SENTENCES, and the steps
    come first. A question the sentence after answers ("why ... necessary?") keeps it."""
    from chat_app.engine.reader import Candidate

    sentences = engine.searcher.data.sentences
    [row] = [r for r, s in enumerate(sentences) if s.text.startswith("Finally, local experts should be able")]
    assert sentences[row + 1].text.startswith("TOT is necessary")
    chunk = engine.reader.chunks[sentences[row].chunk_id]
    run = Candidate(chunk, (row, row + 1))
    quoted = engine.quoted_rows(run, analyse("Walk me through the stages of training of trainers."))
    assert quoted == (row - 2, row - 1, row) and sentences[row - 2].text.startswith("Initially, locals observe")
    quoted = engine.quoted_rows(run, analyse("Why is training of trainers necessary?"))
    assert quoted == (row - 1, row, row + 1)  # "... because the number of foreign experts ... is limited"
    # One sentence that lists ways ("firstly ..., and secondly ...") is no chain of steps: the
    # answer after "That is why ..." stays.
    [row] = [r for r, s in enumerate(sentences) if s.text.startswith("That is why our paper features SME")]
    chunk = engine.reader.chunks[sentences[row].chunk_id]
    quoted = engine.quoted_rows(Candidate(chunk, (row, row + 1)), analyse("What is the double aim of SME policy?"))
    assert row + 1 in quoted and "double aim" in sentences[row + 1].text


def test_a_damaged_model_file_is_refused_in_one_line_naming_it(tmp_path):
    """What a hand edit or a bad copy does to reader_model.json or its matrix: each is one line
    that names the file, never a reader that quietly computes with it."""
    import hashlib
    import io

    import pytest

    from chat_app.engine.reader_model import save_models
    from ingest.errors import SettingsError

    save_models(load_models(FEATURES, ABSTAIN_FEATURES), tmp_path / "m.json")
    good = json.loads((tmp_path / "m.json").read_text())

    def matrix_file(array: np.ndarray) -> dict:
        buffer = io.BytesIO()
        np.save(buffer, array, allow_pickle=False)
        (tmp_path / "x.npy").write_bytes(buffer.getvalue())
        return {**good["reader"]["adapter"], "file": "x.npy", "sha256": hashlib.sha256(buffer.getvalue()).hexdigest()}

    damaged = {
        "short weights": {**good, "reader": {**good["reader"], "weights": good["reader"]["weights"][:3]}},
        "a zero scale": {**good, "reader": {**good["reader"], "scale": [0.0] + good["reader"]["scale"][1:]}},
        "a threshold that is no number": {**good, "abstain": {**good["abstain"], "threshold": "NaN"}},
        "no adapter file name": {**good, "reader": {**good["reader"], "adapter": {
            k: v for k, v in good["reader"]["adapter"].items() if k != "file"}}},
        "a file name that is a folder": {**good, "reader": {**good["reader"], "adapter": {
            **good["reader"]["adapter"], "file": ".."}}},
        "an infinite matrix": {**good, "reader": {**good["reader"], "adapter": matrix_file(
            np.full((4, 4), np.inf, dtype=np.float32))}},
        "a matrix too large for float32": {**good, "reader": {**good["reader"], "adapter": matrix_file(
            np.eye(4) * 1e300)}},
        "a vector for a matrix": {**good, "reader": {**good["reader"], "adapter": matrix_file(np.zeros(4))}},
    }
    for what, record in damaged.items():
        (tmp_path / "bad.json").write_text(json.dumps(record))
        with pytest.raises(SettingsError) as caught:
            load_models(FEATURES, ABSTAIN_FEATURES, tmp_path / "bad.json")
        message = str(caught.value)
        assert message.startswith(f"{tmp_path / 'bad.json'}: not a readable reader model") and "\n" not in message, what


def test_a_run_too_long_to_show_whole_is_no_candidate(engine):
    """The answer would be cut at MAX_ANSWER_CHARS, and the cut fell before the year asked for:
    a run of sentences competes only if it can be shown whole."""
    from chat_app.engine.reader import MAX_ANSWER_CHARS

    question = "When was Japan's SME Agency established?"
    found = engine.deliberate(question)
    sentences = engine.searcher.data.sentences
    runs = [c for c in found.candidates if len(c.rows) > 1]
    assert runs and all(len(" ".join(sentences[r].text for r in c.rows)) < MAX_ANSWER_CHARS for c in runs)
    answer = engine.ask(question)
    assert "1948" in answer.text and "…" not in answer.text


def test_a_quote_finds_what_it_leans_on_across_a_split_paragraph(engine):
    """A paragraph over the chunk size is split between sentences; "On the other hand, ..." at
    the head of the second chunk is quoted with the sentence before it, from the first."""
    from chat_app.engine.reader import Candidate

    sentences = engine.searcher.data.sentences
    [row] = [r for r, s in enumerate(sentences) if s.text.startswith("On the other hand, studying global")]
    chunk = engine.reader.chunks[sentences[row].chunk_id]
    assert engine.reader.rows_of_chunk[chunk.id][0] == row  # the split this test is about
    assert engine.reader.paragraph_rows(chunk)[:2] == [row - 2, row - 1]
    quoted = engine.quoted_rows(Candidate(chunk, (row,)), analyse("What is it?"))
    assert quoted[:2] == (row - 1, row) and sentences[row - 1].text.startswith("Random copying rarely works")
    answer = engine.ask("What two opposite mistakes should a country avoid when learning from foreign policy?")
    assert "Random copying rarely works" in answer.text and "our country is unique" in answer.text
    assert answer.citations[0].quote.startswith("Random copying rarely works")
    # A paragraph break is the author's: "However, the presence of MNCs ..." opens a paragraph
    # and its chunk, and is not joined to the paragraph before.
    [row] = [r for r, s in enumerate(sentences) if s.text.startswith("However, the presence of MNCs")]
    chunk = engine.reader.chunks[sentences[row].chunk_id]
    assert engine.reader.paragraph_rows(chunk)[0] == row


def test_a_passage_that_goes_on_with_a_split_paragraph_is_about_what_the_paragraph_names(engine):
    """"Differences among these five economies ..." opens a chunk of its own when the chunk size
    splits the paragraph; the five countries it means are named before the split."""
    question = ("Singapore, Taiwan, Malaysia, Thailand and Indonesia used much the same policy menu, "
                "so why are their incomes so far apart today?")
    found = engine.deliberate(question)
    sentences = engine.searcher.data.sentences
    [row] = [r for r, s in enumerate(sentences) if s.text.startswith("Differences among these five economies")]
    chunk = engine.reader.chunks[sentences[row].chunk_id]
    assert engine.reader.rows_of_chunk[chunk.id][0] == row and "singapore" not in engine.reader.passage_words(chunk)
    assert any(c.chunk.id == chunk.id for c in found.candidates)
    assert engine.reader._same_paragraph(row - 1, row)
    # A chunk that opens a paragraph of its own gets nothing from the one before.
    [row] = [r for r, s in enumerate(sentences) if s.text.startswith("However, the presence of MNCs")]
    assert not engine.reader._same_paragraph(row - 1, row)


def test_a_sentence_that_announces_what_follows_is_quoted_with_it(engine):
    from chat_app.engine.reader import announces, leans_back

    assert announces("SME promotion has two distinct and separable purposes.")
    assert announces("There are some aspects in which Vietnam excels over Indonesia, and vice versa.")
    assert not announces("There are many SMEs in Vietnam.")
    assert leans_back("On the other hand, studying global experiences should not lead to rejection.")
    assert not leans_back("It is clear that countries have different approaches.")
    answer = engine.ask("Is there anything Vietnam does better than Indonesia in industrial policy?")
    assert "excels over Indonesia" in answer.text and "supporting industries and industrial parks" in answer.text


def test_what_a_question_sets_aside_is_not_what_it_asks(engine):
    """"Besides the Vendors Meet Customers scheme, what else ...?": the scheme's words do not
    count for a sentence, which would otherwise win by naming the scheme."""
    question = engine.deliberate("Besides the Vendors Meet Customers scheme, what else is BUILD in charge of?").analysed
    weights, _ = engine.reader.question_stems(question)
    assert "vendor" not in weights and "custom" not in weights and "#BUILD" in weights
    # A question that is all aside keeps its words.
    weights, _ = engine.reader.question_stems(engine.deliberate("Besides BUILD?").analysed)
    assert "#BUILD" in weights
