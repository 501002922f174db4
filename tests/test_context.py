"""Quotes in context: the question before a segment and the turns around it."""

from __future__ import annotations

import csv
from pathlib import Path

import docx
from typer.testing import CliRunner

from qualcode.cli import app
from qualcode.codebook import load_codebook
from qualcode.coding import code_project
from qualcode.context import ContextFinder, _turns
from qualcode.ingest import ingest
from qualcode.models import Role, Unit
from qualcode.store import Store

MINI = Path(__file__).parent / "fixtures" / "coding" / "mini.yaml"
TEXT = """Interviewer: Tell me about your street.

Ana Smith: It is quiet.

Interviewer: And housing?

Ana Smith: Rents went up.

And then families were evicted.

Interviewer: Thank you.
"""


def project(tmp_path: Path, unit: Unit = Unit.TURN) -> Path:
    folder = tmp_path / "transcripts" / "birmingham"
    folder.mkdir(parents=True)
    (folder / "a.txt").write_text(TEXT, encoding="utf-8")
    path = tmp_path / "p.qualcode"
    with Store.open(path, create=True) as store:
        ingest(store, [tmp_path / "transcripts"], unit=unit)
        code_project(store, load_codebook(MINI))
    return path


def test_the_question_and_the_turns_around_a_segment(tmp_path: Path) -> None:
    with Store.open(project(tmp_path, Unit.PARAGRAPH)) as store:
        segments = store.all_current_segments()
        finder = ContextFinder(store)
        # the second paragraph of Ana's answer: its turn is the whole answer
        evicted = next(s for s in segments if "evicted" in s.text)
        around = finder.around(evicted, 1)
    assert around.question is not None
    assert around.question.quoted() == "Interviewer: And housing?"
    assert [t.quoted() for t in around.before] == ["Interviewer: And housing?"]
    assert [t.quoted() for t in around.after] == ["Interviewer: Thank you."]
    assert finder.around(evicted, 0).before == ()
    first = finder.around(segments[0], 2)
    assert first.question is None and first.before == ()
    assert [t.quoted() for t in first.after] == [
        "Ana Smith: It is quiet.",
        "Interviewer: And housing?",
    ]


def test_segments_and_exports_show_the_context(tmp_path: Path) -> None:
    path = project(tmp_path)
    runner = CliRunner()
    shown = runner.invoke(app, ["segments", "--code", "rent", "--context", "0", "-p", str(path)])
    assert shown.exit_code == 0, shown.output
    assert shown.stdout.startswith(
        "  (question) Interviewer: And housing?\n"
        "birmingham/a.txt #3  Ana Smith (respondent)  housing/rent  auto:mini@1\n"
    )
    out = tmp_path / "s.csv"
    exported = runner.invoke(
        app, ["export", "segments", "--context", "1", "--out", str(out), "-p", str(path)]
    )
    assert exported.exit_code == 0, exported.output
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    rent = next(r for r in rows if r["code_path"] == "housing/rent")
    assert rent["question"] == "Interviewer: And housing?"
    assert rent["context_before"] == "Interviewer: And housing?"
    assert rent["context_after"] == "Interviewer: Thank you."
    plain = runner.invoke(app, ["export", "segments", "-p", str(path)])
    assert "question" not in plain.stdout.splitlines()[0]  # the columns come only when asked
    quotes = tmp_path / "q.docx"
    written = runner.invoke(
        app, ["export", "quotes", "--out", str(quotes), "--context", "0", "-p", str(path)]
    )
    assert written.exit_code == 0, written.output
    paragraphs = [p.text for p in docx.Document(str(quotes)).paragraphs]
    assert "Interviewer: And housing?" in paragraphs


def test_a_chair_who_gives_the_floor_is_the_question(tmp_path: Path) -> None:
    folder = tmp_path / "transcripts"
    folder.mkdir()
    (folder / "sitting.txt").write_text(
        "The Chair: Ms Okafor, on housing.\n\nGrace Okafor: Rents doubled.\n\n"
        "Tom Hughes: They did.\n\nGrace Okafor: Nobody answers for it.\n",
        encoding="utf-8",
    )
    with Store.open(tmp_path / "p.qualcode", create=True) as store:
        ingest(store, [folder])
        segments = store.all_current_segments()
        around = ContextFinder(store).around(segments[-1], 0)
    assert around.question is not None
    assert around.question.quoted() == "The Chair: Ms Okafor, on housing."


def test_the_question_is_the_last_asking_turn_before_every_segment(tmp_path: Path) -> None:
    """The questions found once per document are those a look back from each segment's turn
    finds (what ``around`` did before), on every segment of the sample transcripts."""
    transcripts = Path(__file__).resolve().parents[1] / "transcripts"
    with Store.open(tmp_path / "p.qualcode", create=True) as store:
        ingest(store, [transcripts])
        finder = ContextFinder(store)
        checked = 0
        for document in store.documents():
            assert document.document_id is not None
            segments = store.segments(document.document_id)
            turns, turn_of = _turns(segments)
            for segment in segments:
                index = turn_of[segment.ordinal]
                looked_back = next(
                    (
                        t
                        for t in reversed(turns[:index])
                        if t.role in (Role.INTERVIEWER, Role.CHAIR)
                    ),
                    None,
                )
                assert finder.around(segment, 1).question == looked_back
                checked += looked_back is not None
    assert checked > 100
