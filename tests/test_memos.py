"""Memos on the project, a document, a segment or a code: the core, the store and the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest

from qualcode.errors import UsageError
from qualcode.memos import add_memo, list_memos
from qualcode.models import MemoTarget
from qualcode.store import Store
from refi_support import add_document, auto_codings, code

B01 = "Interviewer: What about housing?\n\nSarah Malik: Rents doubled.\n"
C01 = "Entrevistadora: I l’habitatge?\n\nLaia Serra: El lloguer puja.\n"


@pytest.fixture
def store(project_path: Path) -> Store:
    store = Store.open(project_path, create=True)
    add_document(store, "birmingham/b01.txt", B01)
    add_document(store, "barcelona/c01.txt", C01)
    store.save_codes([code("housing", "Housing"), code("housing/rent", "Rent")], "study")
    return store


def test_memos_on_each_kind_of_target(store: Store) -> None:
    add_memo(store, "The study as a whole.", "project", "laia")
    add_memo(store, "  Long interview.  ", "b01", "laia")
    segment = add_memo(store, "Rents, not mortgages.", "birmingham/b01.txt#1", "marc")
    add_memo(store, "Only in Birmingham?", "rent", "marc")
    memos = list_memos(store)
    assert [(m.target, m.reference, m.author, m.text) for m in memos] == [
        (MemoTarget.PROJECT, "project", "laia", "The study as a whole."),
        (MemoTarget.DOCUMENT, "birmingham/b01.txt", "laia", "Long interview."),
        (MemoTarget.SEGMENT, "birmingham/b01.txt#1", "marc", "Rents, not mortgages."),
        (MemoTarget.CODE, "code:housing/rent", "marc", "Only in Birmingham?"),
    ]
    assert segment.segment_id == store.segments(segment.document_id or 0)[1].segment_id
    assert [m.text for m in list_memos(store, "b01.txt")] == [
        "Long interview.",
        "Rents, not mortgages.",
    ]
    assert [m.text for m in list_memos(store, "code:housing/rent")] == ["Only in Birmingham?"]
    assert [m.text for m in list_memos(store, "project")] == ["The study as a whole."]
    assert list_memos(store, "barcelona/c01.txt") == []


@pytest.mark.parametrize(
    ("on", "message"),
    [
        ("b0l", "no document or code 'b0l' in the project (did you mean 'birmingham/b01.txt'?)"),
        ("rnet", "no document or code 'rnet' in the project (did you mean 'housing/rent'?)"),
        (
            "code:houisng",
            "no code 'houisng' in the project (did you mean 'housing' or 'housing/rent'?)",
        ),
        ("b01.txt#9", "birmingham/b01.txt has no segment #9 (its segments are #0 to #1)"),
        ("document:c02", "no document 'c02' in the project (did you mean 'barcelona/c01.txt'?)"),
    ],
)
def test_a_mistyped_target_names_the_closest(store: Store, on: str, message: str) -> None:
    with pytest.raises(UsageError) as raised:
        add_memo(store, "text", on, "laia")
    assert str(raised.value) == message
    assert store.memos() == []


def test_a_name_that_is_a_document_and_a_code_must_say_which(store: Store) -> None:
    add_document(store, "rent.txt", B01)
    with pytest.raises(UsageError) as raised:
        add_memo(store, "text", "rent", "laia")
    assert str(raised.value) == (
        "'rent' is both a document and a code (write document:rent.txt or code:housing/rent)"
    )
    assert add_memo(store, "text", "document:rent", "laia").reference == "rent.txt"


def test_empty_memo_and_automatic_author_are_refused(store: Store) -> None:
    with pytest.raises(UsageError, match="the memo is empty"):
        add_memo(store, "  \n", "project", "laia")
    with pytest.raises(UsageError, match="automatic coder's name"):
        add_memo(store, "text", "project", "auto:justice@1.0")


def test_a_segment_memo_outlives_a_new_version_of_its_document(store: Store) -> None:
    document_id = store.documents()[1].document_id  # birmingham/b01.txt
    add_memo(store, "Rents.", "b01.txt#1", "laia")
    add_document(store, "birmingham/b01.txt", B01.replace("doubled", "tripled"))
    (memo,) = store.memos()
    assert memo.document_id == document_id
    assert memo.segment_ordinal == 1
    assert not memo.segment_current
    assert store.segments(document_id)[1].text == "Rents tripled."
    # A coding run, which writes without reference checks, keeps the memo's segment too.
    auto_codings(store, "auto:study@1", [])
    assert [m.segment_id for m in store.memos()] == [memo.segment_id]
    assert store._db.execute("PRAGMA foreign_key_check").fetchall() == []
    assert store.segment_by_id(memo.segment_id or 0) is not None


def test_cli_memo_add_and_list(cli, project_path: Path) -> None:
    with Store.open(project_path, create=True) as store:
        add_document(store, "birmingham/b01.txt", B01)
    added = cli("memo", "add", "Rents doubled, twice.", "--on", "b01.txt#1", "--author", "laia")
    assert added.exit_code == 0, added.output
    assert added.stdout == "Added a memo by laia on birmingham/b01.txt#1.\n"
    project = cli("memo", "add", "Pilot study.\nSecond line.", env={"QUALCODE_CODER": "marc"})
    assert project.stdout == "Added a memo by marc on project.\n"
    listed = cli("memo", "list")
    assert listed.exit_code == 0
    lines = listed.stdout.splitlines()
    assert lines[0].startswith("project  (marc, 20")
    assert lines[1:3] == ["    Pilot study.", "    Second line."]
    assert lines[3].startswith("birmingham/b01.txt#1  (laia, 20")
    assert lines[4] == "    Rents doubled, twice."
    wrong = cli("memo", "add", "text", "--on", "b0l")
    assert wrong.exit_code == 2
    assert wrong.stderr == (
        "Error: no document or code 'b0l' in the project (did you mean 'birmingham/b01.txt'?)\n"
    )
    none = cli("memo", "list", "--on", "project")
    assert none.stdout.splitlines()[0].startswith("project  (marc")
