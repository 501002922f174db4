"""qualcode show: the document as qualcode cut it, as records, terminal text and one HTML page."""

from __future__ import annotations

import re
import sqlite3
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qualcode.document_view import document_view
from qualcode.errors import UsageError
from qualcode.ingest import ingest
from qualcode.ingest.metadata import parse_assignments
from qualcode.models import Exclusion, ExclusionCount
from qualcode.store import Store

CORPORA = Path(__file__).resolve().parents[1].parent / "shared" / "corpora"

B01 = (
    "Interviewer: Who decides on the budget?\n\n"
    "[inaudible]\n\n"
    "Sarah Malik: The cabinet, in the end.\n"
    "The council meets in March.\n\n"
    "10:42\n\n"
    "Interviewer: And <script>alert('x')</script> & then?\n"
)


@pytest.fixture
def project(project_path: Path, corpus: Path, write_text) -> Path:
    write_text(corpus / "birmingham" / "b01.txt", B01, front_matter="language: en")
    b02 = "Interviewer: Hello?\n\nAna: Hello.\n"
    write_text(corpus / "birmingham" / "b02.txt", b02, front_matter="language: en")
    with Store.open(project_path, create=True) as store:
        ingest(store, [corpus])
    return project_path


def test_the_view_holds_segments_and_excluded_regions_in_text_order(project: Path) -> None:
    with Store.open(project) as store:
        view = document_view(store, "birmingham/b01.txt")
        text = store.document_text(view.document.document_id)
    kinds = [
        (b.segment.ordinal if b.segment else None, b.reason, b.text.split("\n")[0])
        for b in view.blocks
    ]
    assert kinds == [
        (None, Exclusion.SPEAKER_LABEL, "Interviewer: "),
        (0, None, "Who decides on the budget?"),
        (None, Exclusion.STAGE_DIRECTION, "[inaudible]"),
        (None, Exclusion.SPEAKER_LABEL, "Sarah Malik: "),
        (1, None, "The cabinet, in the end."),
        (None, Exclusion.CLOCK_TIME, "10:42"),
        (None, Exclusion.SPEAKER_LABEL, "Interviewer: "),
        (2, None, "And <script>alert('x')</script> & then?"),
    ]
    assert view.recorded
    assert view.excluded == (
        ExclusionCount(Exclusion.SPEAKER_LABEL, 3, 4),
        ExclusionCount(Exclusion.STAGE_DIRECTION, 1, 1),
        ExclusionCount(Exclusion.CLOCK_TIME, 1, 2),
    )
    assert all(text[b.start_char : b.end_char] == b.text for b in view.blocks)


def test_a_mistyped_name_is_an_error_with_the_closest_names(project: Path) -> None:
    with Store.open(project) as store, pytest.raises(UsageError) as raised:
        document_view(store, "birmingham/b0.txt")
    assert str(raised.value) == (
        "no document 'birmingham/b0.txt' in the project "
        "(did you mean 'birmingham/b02.txt' or 'birmingham/b01.txt'?)"
    )


def test_show_prints_the_document_paragraph_by_paragraph(cli, project: Path) -> None:
    result = cli("show", "b01")
    assert result.exit_code == 0
    assert result.stdout == (
        "birmingham/b01.txt  (version 1, 3 segments by turn, en)\n"
        "Not in segments: stage direction 1 passage (1 word), clock time 1 passage "
        "(2 words); 3 speaker labels, shown as each segment's speaker\n"
        "\n"
        "#0   Interviewer · interviewer · en\n"
        "     Who decides on the budget?\n"
        "·    stage direction: [inaudible]\n"
        "#1   Sarah Malik · respondent · en\n"
        "     The cabinet, in the end.\n"
        "     The council meets in March.\n"
        "·    clock time: 10:42\n"
        "#2   Interviewer · interviewer · en\n"
        "     And <script>alert('x')</script> & then?\n"
    )


def test_show_unknown_document_is_a_usage_error_of_one_line(cli, project: Path) -> None:
    result = cli("show", "birmingham/b03.txt")
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: no document 'birmingham/b03.txt' in the project "
        "(did you mean 'birmingham/b02.txt' or 'birmingham/b01.txt'?)\n"
    )


def test_show_html_is_one_escaped_self_contained_page(cli, project: Path, tmp_path: Path) -> None:
    out = tmp_path / "b01.html"
    result = cli("show", "birmingham/b01.txt", "--format", "html", "--out", str(out))
    assert result.exit_code == 0
    assert result.stdout == f"Wrote {out}\n"
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert "<script" not in page and "src=" not in page and "href=" not in page
    assert "And &lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; then?" in page
    assert '<section class="excluded"><header class="reason">stage direction</header>' in page
    assert re.search(r'<section class="respondent"><header><span class="ordinal">#1</span>', page)
    assert '<p lang="en">The cabinet, in the end.</p><p lang="en">The council' in page


def test_a_document_ingested_before_the_record_shows_its_unrecorded_text(
    cli, project: Path
) -> None:
    with sqlite3.connect(project) as db:
        db.execute("UPDATE document_versions SET excluded_recorded = 0")
        db.execute("DELETE FROM excluded_regions")
    result = cli("show", "birmingham/b02.txt")
    assert result.stdout == (
        "birmingham/b02.txt  (version 1, 2 segments by turn, en)\n"
        "Ingested before qualcode recorded excluded text: text in no segment is shown as "
        "'not recorded' (ingest the file again to record why)\n"
        "\n"
        "·    not recorded: Interviewer:\n"
        "#0   Interviewer · interviewer · en\n"
        "     Hello?\n"
        "·    not recorded: Ana:\n"
        "#1   Ana · respondent · en\n"
        "     Hello.\n"
    )
    status = cli("status").stdout
    assert (
        "Ingested before qualcode recorded excluded text: 2 documents (re-ingest to record it)"
        in status
    )


def assert_the_view_accounts_for_every_character(store: Store, name: str) -> None:
    """Segments and excluded regions, as stored, cover each character of the text that is not
    white space exactly once; nothing is left unaccounted."""
    view = document_view(store, name)
    text = store.document_text(view.document.document_id)
    assert view.recorded
    assert [b.text for b in view.blocks if b.unaccounted] == []
    owners = [0] * len(text)
    for block in view.blocks:
        assert text[block.start_char : block.end_char] == block.text
        for position in range(block.start_char, block.end_char):
            owners[position] += 1
    assert [i for i, c in enumerate(text) if not c.isspace() and owners[i] != 1] == []


_PARAGRAPHS = st.sampled_from(
    [
        "Interviewer: What changed after 2010?",
        "Sarah Malik: Everything, since the cuts began.",
        "Q: And housing?",
        "A: Rents doubled.",
        "[00:04:28] Ana Puig: Vam començar l’any 2012.",
        "(Aplaudiments.)",
        "[inaudible]",
        "10:42",
        "Housing: that is the big one, and it was never solved.",
        "Equitat: garantir l’accés a l’habitatge a tothom.",
        "A plain paragraph of a field note, with no speaker at all.",
        "# A heading",
    ]
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    paragraphs=st.lists(_PARAGRAPHS, min_size=1, max_size=12),
    suffix=st.sampled_from([".txt", ".md"]),
)
def test_what_is_stored_accounts_for_every_character(
    write_text, paragraphs: list[str], suffix: str
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        corpus = Path(folder) / "transcripts"
        write_text(corpus / f"d{suffix}", "\n\n".join(paragraphs) + "\n")
        with Store.open(Path(folder) / "project.qualcode", create=True) as store:
            ingest(store, [corpus], assignments=parse_assignments(["language=en"]))
            assert_the_view_accounts_for_every_character(store, f"d{suffix}")


@pytest.mark.skipif(not CORPORA.is_dir(), reason=f"real documents not available in {CORPORA}")
def test_real_documents_are_stored_whole(tmp_path: Path) -> None:
    files = sorted(p for p in CORPORA.rglob("*") if p.suffix in {".docx", ".txt", ".csv"})
    with Store.open(tmp_path / "project.qualcode", create=True) as store:
        result = ingest(store, files, assignments=parse_assignments(["language=ca"]))
        read = [f.name for f in result.files if f.status == "added"]
        assert read  # the corpora hold documents qualcode reads
        for name in read:
            assert_the_view_accounts_for_every_character(store, name)
