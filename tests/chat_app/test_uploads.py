"""Checking and saving uploads: names that stay in the corpus folder, a reason per refusal."""

from __future__ import annotations

import pytest

from chat_app.documents.uploads import UploadRefused, add_upload, check_upload, safe_name
from tests.pdf_fixtures import encrypted_pdf, scanned_pdf, simple_pdf, truncated_pdf

TEXT = "# A note\n\nIndustrial policy in Vietnam needs patience and capacity building.\n"
PARAGRAPHS = ["Industrial policy in Vietnam needs patience and capacity building."]


@pytest.fixture
def settings(tmp_path, make_settings):
    return make_settings(tmp_path, max_upload_mb=1)


@pytest.mark.parametrize("sent, saved", [
    ("paper.pdf", "paper.pdf"),
    ("reports/2019/paper.md", "paper.md"),
    ("C:\\Users\\me\\Desktop\\paper.txt", "paper.txt"),
    ("Chính sách công nghiệp (2019).md", "Chính sách công nghiệp (2019).md"),
    ("  spaced name.md ", "spaced name.md"),
])
def test_safe_name_keeps_the_file_name_only(sent, saved):
    assert safe_name(sent) == saved


@pytest.mark.parametrize("sent, reason", [
    ("../secret.md", "points outside the corpus folder"),
    ("a/../../b.md", "points outside the corpus folder"),
    ("..\\..\\windows.md", "points outside the corpus folder"),
    ("..", "points outside the corpus folder"),
    (".hidden.md", "hidden file names"),
    ("dir/.env", "hidden file names"),
    ("folder/", "is a folder"),
    ("", "has no name"),
    ("nul\x00byte.md", "control characters"),
    ("line\nbreak.md", "control characters"),
    ("what?.md", "not allowed: '?'"),
    ("a<b>|c.md", "not allowed"),
    ("x" * 130 + ".md", "longer than 120"),
    ("paper.md.meta.json", "citation files"),
])
def test_unsafe_names_are_refused(sent, reason):
    with pytest.raises(UploadRefused, match=reason.replace("?", "\\?").replace("(", "\\(")):
        safe_name(sent)


@pytest.mark.parametrize("name, make, reason", [
    ("locked.pdf", lambda: encrypted_pdf(PARAGRAPHS), r"encrypted PDF"),
    ("scan.pdf", scanned_pdf, r"no text layer \(scanned\?\)"),
    ("cut.pdf", lambda: truncated_pdf(PARAGRAPHS), r"corrupt PDF \(truncated"),
    ("fake.pdf", lambda: b"plain words", r"corrupt PDF \(no PDF header\)"),
    ("empty.md", lambda: b"", r"empty file"),
    ("spaces.txt", lambda: b" \n\t\n", r"empty file"),
    ("binary.txt", lambda: bytes(range(256)) * 4, r"not text \(binary data\)"),
    ("pdf-inside.txt", lambda: simple_pdf(PARAGRAPHS), r"not text \(a PDF named \.txt\)"),
    ("headings.md", lambda: b"# Only\n\n## Headings\n", r"no text besides headings"),
    ("report.docx", lambda: b"PK\x03\x04", r"unsupported file type \.docx; use \.markdown, \.md, \.pdf"),
    ("noext", lambda: TEXT.encode(), r"unsupported file type \(none\)"),
    ("big.txt", lambda: b"words " * 200_000, r"the file is 1\.1 MB; the limit is 1 MB"),
])
def test_unreadable_uploads_are_refused_with_their_reason(settings, name, make, reason):
    with pytest.raises(UploadRefused, match=reason) as refused:
        check_upload(name, make(), settings)
    assert refused.value.name == name
    assert str(refused.value).startswith(f"{name}: ")
    outcome = add_upload(name, make(), settings)
    assert not outcome.accepted and outcome.message.startswith(f"{name}: ")
    assert list(settings.corpus_dir.iterdir()) == []


def test_good_uploads_are_saved_in_the_corpus(settings):
    pdf = simple_pdf(PARAGRAPHS)
    assert add_upload("notes/a note.md", TEXT.encode(), settings).message == \
        "notes/a note.md: added to the corpus as a note.md."
    assert add_upload("paper.pdf", pdf, settings).saved_as == "paper.pdf"
    assert (settings.corpus_dir / "a note.md").read_text(encoding="utf-8") == TEXT
    assert (settings.corpus_dir / "paper.pdf").read_bytes() == pdf


def test_an_existing_file_is_never_overwritten(settings):
    (settings.corpus_dir / "note.md").write_text("# Old\n\nThe old text stays.\n", encoding="utf-8")
    outcome = add_upload("note.md", TEXT.encode(), settings)
    assert not outcome.accepted
    assert "a different file named note.md is already in the corpus" in outcome.reason
    assert (settings.corpus_dir / "note.md").read_text(encoding="utf-8") == "# Old\n\nThe old text stays.\n"


def test_the_same_content_twice_is_not_added_again(settings):
    assert add_upload("note.md", TEXT.encode(), settings).accepted
    again = add_upload("copy.md", TEXT.encode(), settings)
    assert not again.accepted and again.reason == "already in the corpus as note.md; nothing to add"
    assert sorted(p.name for p in settings.corpus_dir.iterdir()) == ["note.md"]


def test_traversal_writes_nothing_outside_the_corpus(settings, tmp_path):
    outcome = add_upload("../../outside.md", TEXT.encode(), settings)
    assert not outcome.accepted
    assert not list(tmp_path.parent.parent.rglob("outside.md"))


def test_a_symlink_in_the_corpus_is_not_written_through(settings, tmp_path):
    target = tmp_path / "elsewhere.md"
    target.write_text("# Elsewhere\n\nKeep me.\n", encoding="utf-8")
    (settings.corpus_dir / "link.md").symlink_to(target)
    outcome = add_upload("link.md", TEXT.encode(), settings)
    assert not outcome.accepted
    assert target.read_text(encoding="utf-8") == "# Elsewhere\n\nKeep me.\n"
