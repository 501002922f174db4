"""What several commands print the same way (cli/views.py)."""

from __future__ import annotations

import textwrap

from qualcode.cli.views import changes, count, evidence_text, not_in_segments, quote, who
from qualcode.models import Evidence, Exclusion, ExclusionCount, Role, Segment


def _segment(text: str, speaker: str | None = None, role: Role | None = None) -> Segment:
    return Segment(ordinal=3, start_char=100, end_char=100 + len(text), text=text,
                   speaker=speaker, role=role)  # fmt: skip


def test_count_says_the_noun_in_the_number_it_has() -> None:
    assert count(1, "coding") == "1 coding"
    assert count(0, "coding") == "0 codings"
    assert count(1234, "coding") == "1,234 codings"
    assert count(2, "span or quote", "spans or quotes") == "2 spans or quotes"


def test_changes_leave_nothing_unchanged_shown() -> None:
    assert changes(3, 0) == ["+3", ""]
    assert changes(0, 12) == ["", "-12"]


def test_who_names_the_speaker_and_role() -> None:
    assert who(_segment("x", "Laia", Role.RESPONDENT)) == "Laia (respondent)"
    assert who(_segment("x", "Laia")) == "Laia"
    assert who(_segment("x")) == "unknown speaker"


def test_quote_marks_the_evidence_in_document_coordinates() -> None:
    segment = _segment("We could not pay the rent\nany more.")
    evidence = [Evidence("rent", "word", 121, 125, "rent")]
    assert quote(segment, evidence, colour=False) == "  We could not pay the **rent** any more."
    assert quote(segment, evidence, colour=False, indent="    ").startswith("    We")
    assert evidence_text(evidence * 2) == "rent → “rent”; rent → “rent”"


def test_a_quote_without_evidence_is_the_text_filled() -> None:
    text = "Line one\nline two " + "word " * 40
    assert quote(_segment(text), (), colour=False) == textwrap.indent(textwrap.fill(text, 96), "  ")


def test_speaker_labels_alone_are_not_text_left_out() -> None:
    labels = ExclusionCount(Exclusion.SPEAKER_LABEL, 12, 12)
    heading = ExclusionCount(Exclusion.HEADING, 1, 4)
    assert not_in_segments([labels]) is None
    assert not_in_segments([]) is None
    assert not_in_segments([labels, heading]) == "heading 1 passage (4 words); 12 speaker labels"
    assert not_in_segments([heading]) == "heading 1 passage (4 words)"
