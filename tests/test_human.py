"""Human coding: tag, untag, review decisions, coding sheets and imports (core and CLI).

Projects are ingested from two tiny invented transcripts; automatic codings are written through
the store (as a codebook run would) so each test knows exactly which segments they are on.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest

import qualcode.cli.human_cmds
from qualcode.coders import default_coder
from qualcode.errors import ImportFormatError, QualcodeError, UsageError
from qualcode.exports.coding_sheet import export_coding_sheet
from qualcode.ingest import ingest
from qualcode.models import CodeRecord, Decision, Role, StagedCoding
from qualcode.people.codings import coder_codings
from qualcode.people.imports import find_quote, fold_for_quotes, import_codings
from qualcode.people.review import review_queue
from qualcode.people.tagging import tag, untag
from qualcode.store import Store

FIXTURES = Path(__file__).parent / "fixtures" / "human"

# birmingham/a.txt: #0 interviewer, #1-#2 Ana Smith, #3 interviewer, #4 Ana Smith.
ENGLISH = """Interviewer: Tell me about housing and work here.

Ana Smith: Rents went up and families were evicted from their homes.

Ana Smith: The council set up a cooperative for tenants. Housing co-ops help.

Interviewer: And health?

Ana Smith: Waiting lists at the clinic are long for poor families.
"""
# barcelona/b.txt: #0 interviewer, #1-#2 Jordi Puig.
CATALAN = """ENTREVISTADORA: Parlem de l’habitatge?

JORDI PUIG: Els desnonaments i el lloguer són el problema del barri.

JORDI PUIG: La cooperativa d’habitatge és una sortida.
"""
CODES = ["housing", "housing/eviction", "work", "health", "cooperatives"]
AUTO = "auto:test@1"
A, B = "birmingham/a.txt", "barcelona/b.txt"


def make_project(path: Path, root: Path) -> Path:
    """Ingest the two transcripts into ``path`` and give the project the test codes."""
    for name, text in ((A, ENGLISH), (B, CATALAN)):
        file = root / "transcripts" / name
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(text, encoding="utf-8")
    with Store.open(path, create=True) as store:
        ingest(store, [root / "transcripts"])
        store.save_codes(
            [
                CodeRecord(
                    path=code,
                    label=code.rsplit("/", 1)[-1].title(),
                    parent_path=code.rsplit("/", 1)[0] if "/" in code else None,
                    sort_order=index,
                )
                for index, code in enumerate(CODES)
            ],
            "test",
        )
    return path


def auto_code(store: Store, codings: dict[tuple[str, int], list[str]], coder: str = AUTO) -> None:
    """Record a codebook run of ``coder`` with these codings, each with one piece of evidence."""
    documents = {d.name: d.document_id for d in store.documents()}
    run = store.start_run(
        coder=coder,
        codebook_name="test",
        codebook_version="1",
        codebook_hash="0",
        codebook_path="test.yaml",
        options={},
    )
    staged = []
    for (name, ordinal), codes in codings.items():
        segment = store.segment_by_ordinal(documents[name], ordinal)
        assert segment is not None and segment.segment_id is not None
        word = segment.text.split()[1]
        start = segment.start_char + segment.text.index(word)
        for code in codes:
            staged.append(
                StagedCoding(segment.segment_id, code, word, "word", start, start + len(word))
            )
    store.replace_codings(coder, run, staged)


def segment_id(store: Store, name: str, ordinal: int) -> int:
    document = next(d for d in store.documents() if d.name == name)
    segment = store.segment_by_ordinal(document.document_id, ordinal)
    assert segment is not None and segment.segment_id is not None
    return segment.segment_id


def human_rows(path: Path) -> list[tuple[str, int, str, str]]:
    """(document, ordinal, code, coder) of every coding that is not automatic."""
    with sqlite3.connect(path) as db:
        return db.execute(
            """SELECT d.name, s.ordinal, c.code_path, c.coder FROM codings c
               JOIN segments s ON s.id = c.segment_id JOIN documents d ON d.id = s.document_id
               WHERE c.coder NOT LIKE 'auto:%' ORDER BY 1, 2, 3, 4"""
        ).fetchall()


def decision_rows(path: Path) -> list[tuple[str, int, str, str, str, str]]:
    with sqlite3.connect(path) as db:
        return db.execute(
            """SELECT d.name, s.ordinal, r.code_path, r.reviewer, r.decision, r.auto_coder
               FROM review_decisions r JOIN segments s ON s.id = r.segment_id
               JOIN documents d ON d.id = s.document_id ORDER BY 1, 2, 3, 4"""
        ).fetchall()


@pytest.fixture
def project(project_path: Path, tmp_path: Path) -> Path:
    return make_project(project_path, tmp_path)


@pytest.fixture
def coded(project: Path) -> Path:
    """The project with automatic codings on a#1 (housing, housing/eviction), a#2
    (cooperatives), a#4 (health) and b#1 (housing)."""
    with Store.open(project) as store:
        auto_code(
            store,
            {
                (A, 1): ["housing", "housing/eviction"],
                (A, 2): ["cooperatives"],
                (A, 4): ["health"],
                (B, 1): ["housing"],
            },
        )
    return project


# -- coders and references ----------------------------------------------------------------------


def test_default_coder_is_the_environment_then_the_login(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QUALCODE_CODER", " laia ")
    assert default_coder() == "laia"
    monkeypatch.delenv("QUALCODE_CODER")
    monkeypatch.setenv("LOGNAME", "pau")
    assert default_coder() == "pau"


def test_segment_references_by_name_file_name_and_id(project: Path) -> None:
    with Store.open(project) as store:
        expected = segment_id(store, A, 2)
        for reference in (f"{A}#2", "a.txt#2", "a#2", f" {A}#2 ", str(expected)):
            assert tag(store, reference, "work", "laia").segment.segment_id == expected
    assert human_rows(project) == [(A, 2, "work", "laia")]


@pytest.mark.parametrize(
    ("reference", "message"),
    [
        (f"{A}#9", f"{A} has no segment #9 (its segments are #0 to #4)"),
        (f"{A}", f"'{A}' is not a segment reference (use DOCUMENT#ORDINAL (e.g. "
         "barcelona/c01_habitatge_pah.txt#12) or a segment id)"),
        ("c.txt#1", "no document 'c.txt' in the project"),
        ("999", "no segment with id 999 (use DOCUMENT#ORDINAL (e.g. "
         "barcelona/c01_habitatge_pah.txt#12) or a segment id)"),
    ],
)  # fmt: skip
def test_bad_segment_references_say_what_to_write(
    project: Path, reference: str, message: str
) -> None:
    with Store.open(project) as store, pytest.raises(UsageError) as raised:
        tag(store, reference, "work", "laia")
    assert str(raised.value) == message


def test_a_segment_of_an_earlier_version_is_refused(project: Path, tmp_path: Path) -> None:
    with Store.open(project) as store:
        old = segment_id(store, A, 1)
        tag(store, f"{A}#1", "housing", "laia")  # keeps the old version's segments alive
        (tmp_path / "transcripts" / A).write_text(ENGLISH + "\nAna Smith: One more.\n")
        ingest(store, [tmp_path / "transcripts"])
        with pytest.raises(UsageError) as raised:
            tag(store, str(old), "housing", "laia")
    assert str(raised.value) == (
        f"segment {old} is of an earlier version of {A}, which changed since "
        f"(use {A}#ORDINAL for its current text)"
    )


def test_automatic_coder_names_are_not_for_people(project: Path) -> None:
    with Store.open(project) as store, pytest.raises(UsageError) as raised:
        tag(store, f"{A}#1", "housing", "auto:me@1")
    assert "names starting with 'auto:' are kept for codebook runs" in str(raised.value)


def test_unknown_codes_suggest_the_closest(project: Path) -> None:
    with Store.open(project) as store, pytest.raises(UsageError) as raised:
        tag(store, f"{A}#1", "evictoin", "laia")
    assert str(raised.value) == "unknown code 'evictoin' (did you mean 'housing/eviction'?)"


# -- tag, untag and the codings of a person -----------------------------------------------------


def test_tag_then_untag(coded: Path) -> None:
    with Store.open(coded) as store:
        first = tag(store, f"{B}#2", "housing", "laia")
        again = tag(store, f"{B}#2", "housing", "laia")
        assert (first.changed, again.changed) == (True, False)
        assert human_rows(coded) == [(B, 2, "housing", "laia")]
        assert untag(store, f"{B}#2", "housing", "laia").changed
        assert human_rows(coded) == []
        with pytest.raises(QualcodeError) as raised:
            untag(store, f"{B}#2", "housing", "laia")
    assert str(raised.value) == (
        f"laia has not coded {B}#2 with housing "
        "(to reject an automatic coding, use 'qualcode review --code housing')"
    )


def test_a_persons_codings_are_own_plus_accepted_minus_rejected(coded: Path) -> None:
    with Store.open(coded) as store:
        queue = review_queue(store, "housing", "laia")
        by_reference = {(i.reference, i.code_path): i for i in queue.items}
        qualcode.people.review.decide(
            store, [by_reference[(f"{A}#1", "housing")]], "laia", Decision.ACCEPT, AUTO
        )
        qualcode.people.review.decide(
            store, [by_reference[(f"{B}#1", "housing")]], "laia", Decision.REJECT, AUTO
        )
        tag(store, f"{A}#4", "work", "laia")
        assert coder_codings(store, "laia") == {
            (segment_id(store, A, 1), "housing"),
            (segment_id(store, A, 4), "work"),
        }
        # Tagging what one rejected withdraws the rejection; untagging withdraws an acceptance.
        assert tag(store, f"{B}#1", "housing", "laia").decision_withdrawn
        assert untag(store, f"{A}#1", "housing", "laia").decision_withdrawn
        assert coder_codings(store, "laia") == {
            (segment_id(store, A, 4), "work"),
            (segment_id(store, B, 1), "housing"),
        }
        # The automatic coder's own codings are untouched by people's decisions.
        assert len(coder_codings(store, AUTO)) == 5


def test_rejections_survive_a_rerun_of_the_automatic_coder(coded: Path) -> None:
    with Store.open(coded) as store:
        queue = review_queue(store, "health", "laia")
        qualcode.people.review.decide(store, queue.items, "laia", Decision.REJECT, AUTO)
        auto_code(store, {(A, 4): ["health"], (A, 1): ["housing"]})  # the same coding again
        assert store.rejected_codings_count(AUTO) == 1
        assert (segment_id(store, A, 4), "health") in coder_codings(store, AUTO)
        assert coder_codings(store, "laia") == set()
        assert review_queue(store, "health", "laia").items == []
    assert decision_rows(coded) == [(A, 4, "health", "laia", "reject", AUTO)]


def test_rerunning_code_says_how_many_codings_reviewers_rejected(
    cli: Callable[..., object], tmp_path: Path
) -> None:
    root = tmp_path / "transcripts" / "birmingham"
    root.mkdir(parents=True)
    (root / "a.txt").write_text(ENGLISH, encoding="utf-8")
    codebook = str(FIXTURES / "tiny.yaml")
    assert cli("ingest", str(root.parent)).exit_code == 0
    first = cli("code", "--codebook", codebook)
    assert "rejected earlier" not in first.stdout
    with open("decisions.csv", "w", encoding="utf-8") as file:
        file.write(f"segment,code,decision\n{A}#4,health,reject\n")
    assert cli("review", "--from-file", "decisions.csv", "--coder", "laia").exit_code == 0
    again = cli("code", "--codebook", codebook)
    assert again.exit_code == 0
    assert again.stdout.splitlines()[-1] == (
        "1 of these codings was rejected earlier by a reviewer; the rejections stand and do "
        "not count for that reviewer (see 'qualcode review')."
    )


# -- review -------------------------------------------------------------------------------------


def test_review_queue_is_the_undecided_automatic_codings_of_a_code_and_its_subcodes(
    coded: Path,
) -> None:
    with Store.open(coded) as store:
        queue = review_queue(store, "housing", "laia")
        assert queue.auto_coder == AUTO
        assert [(i.reference, i.code_path) for i in queue.items] == [
            (f"{B}#1", "housing"),
            (f"{A}#1", "housing"),
            (f"{A}#1", "housing/eviction"),
        ]
        assert [e.matched for e in queue.items[1].evidence] == ["went"]
        qualcode.people.review.decide(store, queue.items[:1], "laia", Decision.ACCEPT, AUTO)
        later = review_queue(store, "housing", "laia")
        assert (len(later.items), later.decided) == (2, 1)
        assert len(review_queue(store, "housing", "laia", include_decided=True).items) == 3
        assert len(review_queue(store, "housing", "pau").items) == 3


def test_review_without_automatic_codings(project: Path) -> None:
    with Store.open(project) as store, pytest.raises(QualcodeError) as raised:
        review_queue(store, "housing", "laia")
    assert str(raised.value) == (
        "there are no automatic codings to review (run 'qualcode code --codebook FILE' first)"
    )


def test_review_accept_all(cli: Callable[..., object], coded: Path) -> None:
    result = cli("review", "--code", "housing", "--coder", "laia", "--accept-all")
    assert result.exit_code == 0, result.output
    assert result.stdout == ("Accepted 3 automatic codings of housing by auto:test@1 for laia.\n")
    again = cli("review", "--code", "housing", "--coder", "laia", "--accept-all")
    assert again.stdout == (
        "Nothing to review: no undecided automatic codings of housing by auto:test@1 for laia "
        "(3 decided earlier).\n"
    )
    assert [row[4] for row in decision_rows(coded)] == ["accept"] * 3


def test_review_is_interactive_only_in_a_terminal(cli: Callable[..., object], coded: Path) -> None:
    result = cli("review", "--code", "housing", "--coder", "laia")
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: review asks questions: run it in a terminal, or use --accept-all or --from-file\n"
    )


def test_review_interactively(coded: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from qualcode.cli import app

    monkeypatch.setattr(qualcode.cli.human_cmds, "_stdin_is_terminal", lambda: True)
    runner = CliRunner(env={"COLUMNS": "120"})
    args = ["--project", str(coded), "review", "--code", "housing", "--coder", "laia"]
    result = runner.invoke(app, args, input="x\nr\ns\nq\n")
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "Reviewing 3 automatic codings of housing by auto:test@1 as laia.\n"
        "\n"
        f"[1/3] {B}#1  JORDI PUIG (respondent)  housing\n"
        "  Els **desnonaments** i el lloguer són el problema del barri.\n"
        "  evidence: desnonaments → “desnonaments”\n"
        "accept, reject, skip or quit? [a/r/s/q]: x\n"
        "Type a (accept), r (reject), s (skip) or q (quit).\n"
        "accept, reject, skip or quit? [a/r/s/q]: r\n"
        "\n"
        f"[2/3] {A}#1  Ana Smith (respondent)  housing\n"
        "  Rents **went** up and families were evicted from their homes.\n"
        "  evidence: went → “went”\n"
        "accept, reject, skip or quit? [a/r/s/q]: s\n"
        "\n"
        f"[3/3] {A}#1  Ana Smith (respondent)  housing/eviction\n"
        "  Rents **went** up and families were evicted from their homes.\n"
        "  evidence: went → “went”\n"
        "accept, reject, skip or quit? [a/r/s/q]: q\n"
        "laia: 0 accepted, 1 rejected, 1 skipped, 1 left for later.\n"
    )
    assert decision_rows(coded) == [(B, 1, "housing", "laia", "reject", AUTO)]
    # Input ending (like Ctrl-C) keeps the decisions made so far and exits 130.
    ended = runner.invoke(app, args, input="a\n")
    assert ended.exit_code == 130
    assert (
        ended.stdout.splitlines()[-1]
        == "laia: 1 accepted, 0 rejected, 0 skipped, 1 left for later."
    )
    assert len(decision_rows(coded)) == 2


def test_review_from_file_is_all_or_nothing(
    cli: Callable[..., object], coded: Path, dump: Callable[[Path], list[str]]
) -> None:
    with Store.open(coded) as store:
        a4 = segment_id(store, A, 4)
    Path("bad.csv").write_text(
        "segment,code,decision,note\n"
        f"{A}#1,housing,accept,\n"
        f"{A}#2,housing,reject,not coded automatically\n"
        f"{a4},health,maybe,\n"
        f"{A}#9,health,reject,\n"
        f"{B}#1,housin,reject,\n",
        encoding="utf-8",
    )
    before = dump(coded)
    result = cli("review", "--from-file", "bad.csv", "--coder", "laia")
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: bad.csv: 4 problems, no decision was recorded:\n"
        f"  row 3: {AUTO} did not code {A}#2 with housing\n"
        "  row 4: decision 'maybe' is not accept or reject\n"
        f"  row 5: {A} has no segment #9\n"
        "  row 6: unknown code 'housin' (did you mean 'housing'?)\n"
    )
    assert dump(coded) == before
    Path("good.csv").write_text(
        f"segment,code,decision,note\n{A}#1,housing,accept,\n{a4},health,r,clinic is not health\n",
        encoding="utf-8",
    )
    result = cli("review", "--from-file", "good.csv", "--coder", "laia")
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "Recorded laia's decisions on codings by auto:test@1: 1 accepted, 1 rejected.\n"
    )
    assert decision_rows(coded) == [
        (A, 1, "housing", "laia", "accept", AUTO),
        (A, 4, "health", "laia", "reject", AUTO),
    ]


# -- tag and untag on the command line ----------------------------------------------------------


def test_tag_and_untag_commands(cli: Callable[..., object], coded: Path) -> None:
    env = {"QUALCODE_CODER": "laia"}
    result = cli("tag", f"{A}#2", "work", env=env)
    assert (result.exit_code, result.stdout) == (
        0,
        f"Tagged {A}#2 with work (coder laia).\n",
    )
    result = cli("tag", f"{A}#2", "work", env=env)
    assert result.stdout == f"{A}#2 with work (coder laia) was already tagged; nothing changed.\n"
    assert cli("review", "--code", "health", "--accept-all", env=env).exit_code == 0
    result = cli("untag", f"{A}#4", "health", "--coder", "laia")
    assert result.stdout == "Withdrew laia's acceptance of the automatic coding.\n"
    result = cli("untag", f"{A}#2", "work", env=env)
    assert result.stdout == f"Untagged {A}#2 with work (coder laia).\n"
    result = cli("untag", f"{A}#2", "work", env=env)
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: laia has not coded {A}#2 with work "
        "(to reject an automatic coding, use 'qualcode review --code work')\n"
    )
    result = cli("tag", "a.txt", "work", env=env)
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: 'a.txt' is not a segment reference")


# -- importing codings --------------------------------------------------------------------------


def test_quotes_are_found_whatever_the_spacing_case_and_quotation_marks() -> None:
    text = "Ella: Parlem de l’habitatge,\n  i  del “lloguer”."
    folded = fold_for_quotes(text)
    assert [text[s:e] for s, e in find_quote(folded, 'de L\'HABITATGE, i del "lloguer"')] == [
        "de l’habitatge,\n  i  del “lloguer”"
    ]
    assert find_quote(folded, "not there") == []
    assert len(find_quote(folded, "l")) == 7
    assert find_quote(folded, "“Parlem”") == [(6, 12)]  # quotation marks around a quote go


def test_import_codings_by_ordinal_span_and_quote(project: Path, tmp_path: Path) -> None:
    with Store.open(project) as store:
        b1 = store.segment_by_ordinal(store.documents()[0].document_id, 1)
        assert b1 is not None and store.documents()[0].name == B
        a_segments = store.segments(next(d for d in store.documents() if d.name == A).document_id)
    a1, a2 = a_segments[1], a_segments[2]
    file = tmp_path / "codings.csv"
    file.write_text(
        "document;segment;start;end;text;code;coder\n"
        f"{A};2;;;;cooperatives;laia\n"
        f"{B};;{b1.start_char};{b1.end_char};;housing;pau\n"  # exactly one segment
        f"{A};;{a1.start_char + 6};{a2.start_char + 3};;housing;laia\n"  # over two segments
        f"b.txt;;;;“desnonaments i el LLOGUER”;housing/eviction;\n"  # part of one, no coder
        f"{A};2;;;;cooperatives;laia\n",  # the same coding twice
        encoding="utf-8",
    )
    with Store.open(project) as store:
        result = import_codings(store, file, coder="marta")
    assert (result.shape, result.rows, result.coders) == ("codings", 5, ("laia", "marta", "pau"))
    assert (result.added, result.already) == (5, 0)  # the repeated row is one coding
    assert (result.unaligned_rows, result.unaligned_segments, result.multi_segment_rows) == (
        2,
        3,
        1,
    )
    assert human_rows(project) == [
        (B, 1, "housing", "pau"),
        (B, 1, "housing/eviction", "marta"),
        (A, 1, "housing", "laia"),
        (A, 2, "cooperatives", "laia"),
        (A, 2, "housing", "laia"),
    ]


def test_import_is_all_or_nothing_and_lists_every_bad_row(
    project: Path, tmp_path: Path, dump: Callable[[Path], list[str]]
) -> None:
    file = tmp_path / "codings.csv"
    file.write_text(
        "document,ordinal,start,end,quote,code,coder\n"
        f"{A},1,,,,housing,laia\n"
        f"{A},7,,,,housing,laia\n"
        f"c.txt,1,,,,housing,laia\n"
        f"{A},,,,a passage nobody said,housing,laia\n"
        f"{A},,,,families,housing,laia\n"
        f"{A},,0,5,,housing,laia\n"
        f"{A},,40,9999,,housing,laia\n"
        f"{A},1,,,,gentrification,laia\n"
        f"{A},1,,,,housing,auto:x@1\n"
        f"{A},,,,,housing,laia\n",
        encoding="utf-8",
    )
    before = dump(project)
    with Store.open(project) as store, pytest.raises(ImportFormatError) as raised:
        import_codings(store, file)
    assert str(raised.value) == (
        f"{file}: 9 problems, nothing was imported:\n"
        f"  row 3: {A} has no segment #7\n"
        "  row 4: no document 'c.txt' in the project\n"
        f"  row 5: quoted text not found in {A}: “a passage nobody said”\n"
        f"  row 6: quoted text occurs 2 times in {A}: “families”; add the segment ordinal or "
        "quote more\n"
        f"  row 7: span 0-5 of {A} covers no segment (speaker labels, stage directions and "
        "front matter belong to none)\n"
        f"  row 8: span 40-9999 is not within {A} (0-{len(ENGLISH) - 1}, end excluded)\n"
        "  row 9: unknown code 'gentrification'\n"
        "  row 10: 'auto:x@1' is an automatic coder's name\n"
        "  row 11: give a segment ordinal, a start and end, or the quoted text"
    )
    assert dump(project) == before


def test_import_can_create_codes(project: Path, tmp_path: Path) -> None:
    file = tmp_path / "codings.csv"
    file.write_text(
        f"document,ordinal,code\n{A},1,housing/rent\n{A},2,care/cooperative care\n",
        encoding="utf-8",
    )
    with Store.open(project) as store:
        result = import_codings(store, file, coder="laia", create_codes=True)
        codes = {c.path: c for c in store.codes()}
    assert result.codes_created == ("housing/rent", "care", "care/cooperative care")
    assert codes["care/cooperative care"].parent_path == "care"
    assert codes["care"].parent_path is None
    assert human_rows(project) == [
        (A, 1, "housing/rent", "laia"),
        (A, 2, "care/cooperative care", "laia"),
    ]


def test_import_withdraws_the_coders_rejections(coded: Path, tmp_path: Path) -> None:
    with Store.open(coded) as store:
        qualcode.people.review.decide(
            store, review_queue(store, "health", "laia").items, "laia", Decision.REJECT, AUTO
        )
        file = tmp_path / "codings.csv"
        file.write_text(f"document,ordinal,code\n{A},4,health\n", encoding="utf-8")
        import_codings(store, file, coder="laia")
        assert coder_codings(store, "laia") == {(segment_id(store, A, 4), "health")}
    assert decision_rows(coded) == []


def test_import_codings_command(cli: Callable[..., object], project: Path, tmp_path: Path) -> None:
    Path("laia.csv").write_text(f"document,start,end,code\n{A},60,140,housing\n", encoding="utf-8")
    result = cli("import", "codings", "laia.csv", "--coder", "laia")
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "Imported laia.csv (one row per coding): 1 row by laia; 2 codings added, 0 already "
        "there.\n"
        "1 span or quote did not match a segment exactly: attached to the 2 segments it "
        "overlaps (1 spanned more than one).\n"
    )
    Path("odd.csv").write_text("who,what\nme,this\n", encoding="utf-8")
    result = cli("import", "codings", "odd.csv")
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: odd.csv: cannot tell what the columns hold (give one row per coding (document, "
        "code, and ordinal, start and end, or text) or a coding sheet from 'qualcode export "
        "coding-sheet')\n"
    )
    result = cli("import", "codings", "codings.json")
    assert (result.exit_code, result.stderr) == (1, "Error: codings.json: no such file\n")


# -- coding sheets ------------------------------------------------------------------------------


def test_export_coding_sheet_shape_and_drop_down(project: Path, tmp_path: Path) -> None:
    out = tmp_path / "sheet.xlsx"
    with Store.open(project) as store:
        result = export_coding_sheet(store, out, codes=["housing", "work"])
    assert (result.rows, result.population, result.code_paths) == (
        8,
        8,
        ("housing", "housing/eviction", "work"),
    )
    workbook = openpyxl.load_workbook(out)
    assert workbook.sheetnames == ["segments", "codes", "instructions"]
    sheet = workbook["segments"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == (
        "document", "ordinal", "speaker", "role", "text", "housing", "housing/eviction", "work",
    )  # fmt: skip
    assert rows[1] == (
        B,
        0,
        "ENTREVISTADORA",
        "interviewer",
        "Parlem de l’habitatge?",
        None,
        None,
        None,
    )
    assert rows[6] == (
        A, 2, "Ana Smith", "respondent",
        "The council set up a cooperative for tenants. Housing co-ops help.", None, None, None,
    )  # fmt: skip
    [validation] = sheet.data_validations.dataValidation
    assert (validation.type, validation.formula1, str(validation.sqref)) == (
        "list",
        '"0,1"',
        "F2:H9",
    )


def test_export_coding_sheet_samples_reproducibly(project: Path, tmp_path: Path) -> None:
    with Store.open(project) as store:
        first = export_coding_sheet(store, tmp_path / "1.xlsx", sample=3, seed=7)
        export_coding_sheet(store, tmp_path / "2.xlsx", sample=3, seed=7)
        export_coding_sheet(store, tmp_path / "4.xlsx", sample=3, seed=8)
        answers = export_coding_sheet(store, tmp_path / "3.xlsx", sample=10, role=Role.RESPONDENT)
    listed = [
        list(openpyxl.load_workbook(tmp_path / name)["segments"].iter_rows(values_only=True))
        for name in ("1.xlsx", "2.xlsx", "4.xlsx")
    ]
    assert first.rows == 3 and listed[0] == listed[1] and listed[0] != listed[2]
    assert (answers.rows, answers.population) == (5, 5)
    roles = {
        row[3]
        for row in openpyxl.load_workbook(tmp_path / "3.xlsx")["segments"].iter_rows(
            min_row=2, values_only=True
        )
    }
    assert roles == {"respondent"}


def fill_sheet(path: Path, marks: dict[tuple[str, int], dict[str, object]], keep=None) -> None:
    """Type values into a coding sheet as a person would; ``keep`` lists the rows to keep."""
    workbook = openpyxl.load_workbook(path)
    sheet = workbook["segments"]
    headers = [cell.value for cell in sheet[1]]
    for row in range(sheet.max_row, 1, -1):
        key = (sheet.cell(row, 1).value, sheet.cell(row, 2).value)
        if keep is not None and key not in keep:
            sheet.delete_rows(row)
            continue
        for code, value in marks.get(key, {}).items():
            sheet.cell(row, headers.index(code) + 1).value = value
    workbook.save(path)


def test_a_returned_coding_sheet_imports_back(coded: Path, tmp_path: Path) -> None:
    out = tmp_path / "laia.xlsx"
    with Store.open(coded) as store:
        export_coding_sheet(store, out, codes=["housing", "health"])
        tag(store, f"{A}#4", "health", "laia")  # the sheet's 0 will remove it
    fill_sheet(
        out,
        {(A, 1): {"housing": 1, "housing/eviction": "1"}, (B, 1): {"housing": 1, "health": 0}},
        keep={(A, 1), (A, 2), (A, 4), (B, 1)},
    )
    with Store.open(coded) as store:
        result = import_codings(store, out, coder="laia")
        assert (result.shape, result.rows, result.cells) == ("coding sheet", 4, 12)
        assert (result.added, result.already, result.removed) == (3, 0, 1)
        assert set(store.sheet_coverage("laia")) == {
            (segment_id(store, name, ordinal), code)
            for name, ordinal in ((A, 1), (A, 2), (A, 4), (B, 1))
            for code in ("housing", "housing/eviction", "health")
        }
    assert human_rows(coded) == [
        (B, 1, "housing", "laia"),
        (A, 1, "housing", "laia"),
        (A, 1, "housing/eviction", "laia"),
    ]


def test_a_coding_sheet_as_csv_with_bad_cells_imports_nothing(
    project: Path, tmp_path: Path, dump: Callable[[Path], list[str]]
) -> None:
    file = tmp_path / "sheet.csv"
    file.write_text(
        "document,ordinal,text,housing,tenure\n"
        f"{A},1,Rents went up and families were evicted from their homes.,1,\n"
        f"{A},2,Something else entirely.,0,\n"
        f"{A},4,,yes,\n"
        f"{A},1,,1,\n",
        encoding="utf-8",
    )
    before = dump(project)
    with Store.open(project) as store, pytest.raises(ImportFormatError) as raised:
        import_codings(store, file, coder="laia")
    assert str(raised.value) == (
        f"{file}: 4 problems, nothing was imported:\n"
        "  row 1, column tenure: unknown code 'tenure'\n"
        f"  row 3: the text is not that of {A}#2: the document changed since the sheet was "
        "made; export a new coding sheet\n"
        "  row 4, column housing: 'yes' is not 0, 1 or blank\n"
        f"  row 5: {A}#1 is also on row 2"
    )
    assert dump(project) == before


def test_export_coding_sheet_command(cli: Callable[..., object], project: Path) -> None:
    result = cli(
        "export", "coding-sheet", "--out", "laia.xlsx", "--code", "housing", "--sample", "3"
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "Wrote laia.xlsx: 3 segments (a random sample of 8, seed 1) × 2 codes.\n"
        "Code in it, then: qualcode import codings laia.xlsx --coder NAME\n"
    )
    result = cli("export", "coding-sheet", "--out", "laia.csv")
    assert (result.exit_code, result.stderr) == (
        2,
        "Error: the coding sheet is an .xlsx file, not 'laia.csv'\n",
    )
    result = cli("import", "codings", "laia.xlsx", "--coder", "laia")
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "Imported laia.xlsx (coding sheet): 3 rows, 6 cells judged by laia; 0 codings added, "
        "0 already there, 0 removed (marked 0).\n"
    )


def test_a_coding_sheet_keeps_text_that_looks_like_a_formula(tmp_path: Path) -> None:
    transcript = tmp_path / "transcripts" / "birmingham" / "f.txt"
    transcript.parent.mkdir(parents=True)
    transcript.write_text(
        "Interviewer: Sum?\n\nAna Smith: =SUM(A1:A3) is what the\x0bsheet said.\n"
    )
    project = tmp_path / "f.qualcode"
    with Store.open(project, create=True) as store:
        ingest(store, [tmp_path / "transcripts"])
        store.save_codes([CodeRecord("work", "Work", None)], "test")
        export_coding_sheet(store, tmp_path / "f.xlsx")
    cell = openpyxl.load_workbook(tmp_path / "f.xlsx")["segments"]["E3"]
    assert (cell.value, cell.data_type) == ("=SUM(A1:A3) is what thesheet said.", "s")
    fill_sheet(tmp_path / "f.xlsx", {("birmingham/f.txt", 1): {"work": 1}})
    with Store.open(project) as store:
        assert import_codings(store, tmp_path / "f.xlsx", coder="laia").added == 1


def test_tables_in_windows_1252_with_tabs_and_blank_rows(tmp_path: Path) -> None:
    from qualcode.people.tables import read_table

    file = tmp_path / "codings.tsv"
    file.write_bytes(
        "Document\tCode Path\tQuote\n\n b.txt \thousing\tl’habitatge\n".encode("cp1252")
    )
    table = read_table(file)
    assert (table.headers, table.columns) == (
        ["Document", "Code Path", "Quote"],
        ["document", "code_path", "quote"],
    )
    assert table.rows == [
        (3, {"document": "b.txt", "code_path": "housing", "quote": "l’habitatge"})
    ]
