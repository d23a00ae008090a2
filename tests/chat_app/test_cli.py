"""`python -m chat_app` in process: the JSON contract of ask, and evaluate."""

from __future__ import annotations

import json

import pytest

from chat_app.cli.commands import main


def test_ask_json(paper_index, capsys):
    assert main(["ask", "When was BUILD established?", "--json", "--index", str(paper_index.settings.index_dir)]) == 0
    record = json.loads(capsys.readouterr().out)
    assert "1992" in record["answer"] and record["abstained"] is False
    assert record["citations"][0]["section"] == "4.2. Linkage policy"


def test_ask_questions_file_with_history(paper_index, tmp_path, capsys):
    questions = tmp_path / "q.jsonl"
    questions.write_text("\n".join(json.dumps(r) for r in [
        {"id": "a", "question": "When was Malaysia's Vendor Development Program introduced?"},
        {"id": "b", "question": "And the Industrial Linkage Program?",
         "history": ["When was Malaysia's Vendor Development Program introduced?"]},
        {"id": "c", "question": "Who won the 2018 FIFA World Cup?", "extra": "ignored"},
    ]) + "\n")
    assert main(["ask", "--questions", str(questions), "--index", str(paper_index.settings.index_dir)]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["id"] for r in lines] == ["a", "b", "c"]
    for record in lines:
        assert {"id", "question", "rewritten_question", "answer", "abstained", "citations", "hits"} <= set(record)
    assert lines[1]["rewritten_question"] == "When was Malaysia's Industrial Linkage Program introduced?"
    assert "1995" in lines[1]["answer"]
    assert lines[2]["abstained"] is True and lines[2]["citations"] == []


def test_a_bad_questions_file_is_one_clear_line(paper_index, tmp_path, capsys):
    questions = tmp_path / "bad.jsonl"
    questions.write_text('{"id": "a", "question": "ok?"}\n{"id": "b", "history": "not a list", "question": "x"}\n')
    assert main(["ask", "--questions", str(questions), "--index", str(paper_index.settings.index_dir)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"error: {questions} line 2: field 'history' must be a list of strings"]


def test_evaluate_json_reports_each_set_and_all_together(paper_index, capsys):
    from tests.helpers import ROOT

    gold = [str(ROOT / "eval" / "dev.jsonl"), str(ROOT / "eval" / "followups.jsonl")]
    assert main(["evaluate", "--json", "--index", str(paper_index.settings.index_dir),
                 "--gold", gold[0], "--gold", gold[1]]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["gold"] == gold and [s["gold"] for s in report["sets"]] == gold
    dev = report["sets"][0]
    hybrid = dev["retrieval"][0]
    assert hybrid["name"] == "hybrid" and hybrid["recall@5"] == 1.0 and hybrid["mrr@10"] >= 0.9
    assert [r["name"] for r in dev["retrieval"]] == ["hybrid", "bm25", "dense"]
    assert dev["questions"] == 33 and report["questions"] == 43
    answers = dev["answers"]
    assert answers["answer_accuracy"] >= 0.75 and answers["abstention_accuracy"] >= 0.8
    assert answers["latency_ms"]["p50"] > 0 and 0 < answers["answer_chars"]["median"] < 300
    assert report["answers"]["answerable"] == dev["answers"]["answerable"] + report["sets"][1]["answers"]["answerable"]


# --- hostile input and output (issue 10, items 10, 11, 13) --------------------------------------

def test_bytes_that_are_not_utf8_in_a_question_are_one_line(paper_index):
    from tests.helpers import cli_env, run_cli

    done = run_cli("chat_app", "ask", b"BUILD \xff\xfe", "--index", str(paper_index.settings.index_dir),
                   env=cli_env(paper_index.settings))

    assert (done.returncode, done.stdout) == (1, b"")
    assert done.stderr == (b"error: the question is not valid UTF-8 text (it holds bytes that are not UTF-8, "
                           b"or a lone surrogate)\n")


@pytest.mark.parametrize("argv, message", [
    (["ask", "  "], "error: the question is empty\n"),
    (["ask", "When was BUILD established?", "--history", ""], "error: --history 1 is empty\n"),
])
def test_empty_questions_are_refused(paper_index, capsys, argv, message):
    assert main([*argv, "--index", str(paper_index.settings.index_dir)]) == 1
    assert capsys.readouterr() == ("", message)


def test_a_questions_file_with_a_byte_order_mark_and_one_with_a_lone_surrogate(paper_index, tmp_path, capsys):
    questions = tmp_path / "q.jsonl"
    questions.write_bytes(b"\xef\xbb\xbf" + json.dumps({"id": "a", "question": "When was BUILD established?"}).encode())

    assert main(["ask", "--questions", str(questions), "--index", str(paper_index.settings.index_dir)]) == 0
    assert "1992" in json.loads(capsys.readouterr().out)["answer"]
    questions.write_text('{"id": "a", "question": "ok?", "history": ["\\udcff"]}\n')
    assert main(["ask", "--questions", str(questions), "--index", str(paper_index.settings.index_dir)]) == 1
    assert capsys.readouterr().err == (f"error: {questions} line 1: field 'history' is not valid UTF-8 text (it "
                                       "holds bytes that are not UTF-8, or a lone surrogate)\n")


def test_an_answer_quoting_control_sequences_prints_none_of_them(hostile_index, capsys):
    from tests.conftest import HOSTILE_SENTENCE

    question = "Who sells brake pads to Japanese assemblers?"
    assert main(["ask", question, "--index", str(hostile_index.index_dir)]) == 0
    shown = capsys.readouterr().out
    assert "brake pad supplier sells to two Japanese assemblers" in shown and "hostile.md" in shown
    assert not [ch for ch in shown if ord(ch) < 32 and ch != "\n" or 0x7f <= ord(ch) < 0xa0]
    assert main(["ask", question, "--json", "--index", str(hostile_index.index_dir)]) == 0
    record = json.loads(capsys.readouterr().out)  # JSON keeps the text exactly, escaped
    assert any(c["quote"] == HOSTILE_SENTENCE for c in record["citations"])


def test_the_chat_refuses_a_line_that_is_not_utf8_and_goes_on(paper_index):
    from tests.helpers import cli_env, run_cli

    done = run_cli("chat_app", "chat", "--index", str(paper_index.settings.index_dir), env=cli_env(paper_index.settings),
                   input=b"BUILD \xff\xfe\nWhen was BUILD established?\n\n")

    assert done.returncode == 0
    assert done.stderr == (b"error: the question is not valid UTF-8 text (it holds bytes that are not UTF-8, "
                           b"or a lone surrogate)\n")
    assert b"1992" in done.stdout


# --- the HTTP API's command and ask -k (issue 12) ----------------------------------------------

@pytest.mark.parametrize("argv, message", [
    (["serve", "--port", "abc"], "error: --port: 'abc' is not a valid int\n"),
    (["serve", "--port", "70000"], "error: api_port: must be between 1 and 65535, got 70000\n"),
    (["serve", "--workers", "0"], "error: api_workers: must be between 1 and 32, got 0\n"),
    (["serve", "--host", "192.0.2.1"], "error: --host: 192.0.2.1 is not an address of this machine\n"),
    (["serve", "--host", "no-such-host.invalid"], "error: --host: 'no-such-host.invalid' is not an address of "
                                                  "this machine (Name or service not known)\n"),
    (["bench", "--http", "--clients", "1,0"], "error: --clients: give whole numbers from 1 up, separated by commas "
                                              "(e.g. 1,8,32), got '1,0'\n"),
    (["bench", "--http", "--workers", "two"], "error: --workers: give whole numbers from 1 up, separated by commas "
                                              "(e.g. 1,8,32), got 'two'\n"),
])
def test_bad_serve_flags_are_one_line(capsys, argv, message):
    assert main(argv) == 1
    assert capsys.readouterr() == ("", message)


@pytest.mark.parametrize("argv, message", [
    (["ask", "Who wrote it?", "-k", "abc"],
     "python -m chat_app ask: error: argument -k: invalid int value: 'abc' (see python -m chat_app ask --help)\n"),
    (["ask", "Who wrote it?", "--no-such-flag"],
     "python -m chat_app: error: unrecognized arguments: --no-such-flag (see python -m chat_app --help)\n"),
])
def test_a_flag_argparse_refuses_is_one_line_too(capsys, argv, message):
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == 2
    assert capsys.readouterr() == ("", message)


def test_serve_on_a_port_in_use_is_one_line(capsys):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["serve", "--port", str(port)]) == 1
    assert capsys.readouterr().err == (f"error: --port: 127.0.0.1:{port} is in use (another server?); choose "
                                       "another port with --port\n")


def test_ask_k_is_how_many_passages_come_with_the_answer(paper_index, capsys):
    index = ["--index", str(paper_index.settings.index_dir)]
    assert main(["ask", "When was BUILD established?", "--json", "-k", "2", *index]) == 0
    record = json.loads(capsys.readouterr().out)
    assert [h["rank"] for h in record["hits"]] == [1, 2] and "1992" in record["answer"]
    assert main(["ask", "When was BUILD established?", "-k", "9", *index]) == 1
    assert capsys.readouterr().err == "error: -k: must be between 1 and 8, got 9\n"
