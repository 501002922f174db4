"""Report counts on the small fixed project, checked against counts made by hand.

The fixture (tests/report_project.py), a segment per paragraph, in-scope segments only:

    Barcelona  c1 (MARIA PUIG): 1 housing+inequality, 2 health+governance, 4 participation
               c2 (no speaker): 0 -, 1 participation, 2 housing, 3 -
    Birmingham b1 (Ann Lee):    1 housing+inequality, 3 health+housing+governance,
                                4 participation+governance
               b2 (Tom Hart):   1 housing, 3 governance, 4 -

Barcelona has 7 in-scope segments (3 respondent, 4 unknown speaker) and 60 words; Birmingham 6
and 66. Interviewer questions are coded too (they name themes) and must never count.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qualcode import stats
from qualcode.errors import QualcodeError, UsageError
from qualcode.models import Role, Segment, StagedCoding
from qualcode.report import (
    Report,
    ReportOptions,
    build_report,
    compare,
    group_value,
    parse_filters,
)
from qualcode.store import Store
from report_project import CODER, HUMAN, build_project, record_run


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_project(tmp_path_factory.mktemp("report") / "project.qualcode")


def run(project: Path, **options: object) -> Report:
    with Store.open(project) as store:
        return build_report(store, ReportOptions(**options))  # type: ignore[arg-type]


def counts(report: Report, path: str) -> list[tuple[int, int]]:
    line = next(line for line in report.lines if line.path == path)
    return [(cell.segments, cell.interviews) for cell in line.cells]


def test_groups_and_denominators(project: Path) -> None:
    report = run(project)
    assert report.coder == CODER
    assert [g.name for g in report.groups] == ["Barcelona", "Birmingham"]
    barcelona, birmingham = report.groups
    assert (barcelona.interviews, barcelona.segments, barcelona.words) == (2, 7, 60)
    assert (barcelona.respondent_segments, barcelona.unknown_speaker_segments) == (3, 4)
    assert (birmingham.interviews, birmingham.segments, birmingham.words) == (2, 6, 66)
    assert (birmingham.respondent_segments, birmingham.unknown_speaker_segments) == (6, 0)
    assert (report.total.interviews, report.total.segments, report.total.words) == (4, 13, 126)


def test_tree_order_and_roll_up(project: Path) -> None:
    report = run(project)
    assert [(line.path, line.depth, line.leaf) for line in report.lines] == [
        ("inequality", 0, False),
        ("inequality/housing", 1, True),
        ("inequality/health", 1, True),
        ("governance", 0, False),
        ("governance/participation", 1, True),
        ("governance/municipalism", 1, True),
    ]
    # (segments, interviews) for Barcelona, Birmingham, total.
    assert counts(report, "inequality/housing") == [(2, 2), (3, 2), (5, 4)]
    assert counts(report, "inequality/health") == [(1, 1), (1, 1), (2, 2)]
    # inequality: c1-1, c1-2 (health), c2-2 (housing) | b1-1, b1-3 (once, not three times), b2-1
    assert counts(report, "inequality") == [(3, 2), (3, 2), (6, 4)]
    assert counts(report, "governance") == [(3, 2), (3, 2), (6, 4)]
    assert counts(report, "governance/participation") == [(2, 2), (1, 1), (3, 3)]
    assert counts(report, "governance/municipalism") == [(0, 0), (0, 0), (0, 0)]
    assert [(c.segments, c.interviews) for c in report.any_code] == [(5, 2), (5, 2), (10, 4)]


def test_share_and_rate(project: Path) -> None:
    line = run(project).lines[1]  # housing
    barcelona, birmingham, total = line.cells
    assert barcelona.share == pytest.approx(2 / 7)
    assert birmingham.share == pytest.approx(3 / 6)
    assert total.share == pytest.approx(5 / 13)
    assert barcelona.rate == pytest.approx(1000 * 2 / 60)
    assert total.rate == pytest.approx(1000 * 5 / 126)


def test_leaves_only(project: Path) -> None:
    report = run(project, leaves_only=True)
    assert [line.path for line in report.lines] == [
        "inequality/housing",
        "inequality/health",
        "governance/participation",
        "governance/municipalism",
    ]
    assert counts(report, "inequality/housing") == [(2, 2), (3, 2), (5, 4)]


def test_code_filter_keeps_the_code_and_its_descendants(project: Path) -> None:
    report = run(project, codes=("governance",))
    assert [line.path for line in report.lines] == [
        "governance",
        "governance/participation",
        "governance/municipalism",
    ]
    # The any-code row follows the codes shown.
    assert [c.segments for c in report.any_code] == [3, 3, 6]


def test_cooccurrence_and_code_document_matrix(project: Path) -> None:
    report = run(project)
    paths = [line.path for line in report.lines]
    both = dict(zip(paths, report.cooccurrence, strict=True))
    housing, health, governance = paths.index("inequality/housing"), 2, 3
    assert both["inequality/housing"][housing] == 5  # the diagonal: the code itself
    assert both["inequality/housing"][health] == 1  # b1-3
    assert both["inequality/health"][governance] == 2  # c1-2, b1-3
    assert both["governance"][paths.index("inequality")] == 2
    assert [list(row) for row in report.cooccurrence] == [
        list(column) for column in zip(*report.cooccurrence, strict=True)
    ]  # symmetric
    assert [d.name for d in report.documents] == [
        "barcelona/c1_habitatge.txt",
        "barcelona/c2_walk.txt",
        "birmingham/b1_officer.txt",
        "birmingham/b2_cooperative.txt",
    ]
    assert report.code_document[housing] == (1, 1, 2, 1)
    assert report.code_document[paths.index("governance/participation")] == (1, 1, 1, 0)


def test_group_by_document_and_by_attribute(project: Path) -> None:
    by_document = run(project, by="document")
    assert [g.name for g in by_document.groups] == [d.name for d in by_document.documents]
    assert counts(by_document, "inequality/housing")[:4] == [(1, 1), (1, 1), (2, 1), (1, 1)]
    by_role = run(project, by="interviewee_role")
    assert [g.name for g in by_role.groups] == ["Activist", "Officer", "Practitioner"]
    assert [g.segments for g in by_role.groups] == [3, 3, 7]


def test_filters_narrow_the_documents(project: Path) -> None:
    report = run(project, filters=parse_filters(["organisation_type=social movement"]))
    assert [g.name for g in report.groups] == ["Barcelona"]
    assert report.total.interviews == 2
    report = run(project, filters=(("city", "Birmingham"), ("interviewee_role", "Officer")))
    assert report.total.segments == 3
    assert counts(report, "inequality/housing") == [(2, 1), (2, 1)]


def test_a_human_coder_has_a_report_of_their_own(project: Path) -> None:
    report = run(project, coder=HUMAN)
    assert report.coder == HUMAN
    # A person's report counts the segments they looked at (here: the one interview they coded
    # in), not the corpus; the groups they did not look at are not reported as zero.
    assert [g.name for g in report.groups] == ["Birmingham"]
    assert report.sample == (3, 13)
    assert report.total.segments == 3
    assert counts(report, "inequality/housing") == [(1, 1), (1, 1)]
    assert counts(report, "inequality") == [(1, 1), (1, 1)]
    # The whole codebook is shown, not only the code the person used.
    assert len(report.lines) == 6


def test_bad_requests_say_what_to_do(project: Path, tmp_path: Path) -> None:
    with pytest.raises(
        UsageError, match=r"no codings by 'nobody' in this project.*auto:mini@1\.0, marta"
    ):
        run(project, coder="nobody")
    with pytest.raises(
        UsageError, match=r"unknown code 'housng' \(did you mean 'inequality/housing'\?\)"
    ):
        run(project, codes=("housng",))
    with pytest.raises(UsageError, match="no documents match city=Paris"):
        run(project, filters=(("city", "Paris"),))
    with pytest.raises(UsageError, match=r"no document has the attribute 'colour'.*city"):
        run(project, by="colour")
    with pytest.raises(UsageError, match="--where expects key=value, got 'city'"):
        parse_filters(["city"])
    empty = tmp_path / "empty.qualcode"
    Store.open(empty, create=True).close()
    with pytest.raises(QualcodeError, match="no automatic codings"):
        run(empty)


def test_compare_two_cities(project: Path) -> None:
    report = run(project)
    comparison = compare(report)
    assert comparison.groups == ("Barcelona", "Birmingham")
    assert (comparison.test, comparison.effect) == (stats.FISHER, stats.DIFFERENCE)
    housing = comparison.for_path("inequality/housing")
    assert housing.segments.p_value == pytest.approx(1016 / 1716)  # see test_stats
    assert housing.effect.value == pytest.approx(2 / 7 - 3 / 6)
    # Every interview of both cities mentions housing: nothing to test at interview level.
    assert housing.interviews.test == stats.NOT_TESTED
    participation = comparison.for_path("governance/participation")
    assert participation.interviews.p_value == pytest.approx(1.0)  # 2/2 against 1/2
    # Municipalism was never coded: untested, and not counted by the adjustment.
    assert math.isnan(comparison.for_path("governance/municipalism").segments.p_value)
    tested = [c.segments.p_value for c in comparison.codes if c.segments.test]
    assert len(tested) == 5
    assert [c.segments.p_adjusted for c in comparison.codes if c.segments.test] == (
        pytest.approx(stats.benjamini_hochberg(tested))
    )


def test_compare_three_roles_uses_chi_square(project: Path) -> None:
    report = run(project, by="interviewee_role")
    comparison = compare(report)
    assert comparison.test == stats.CHI_SQUARE
    governance = comparison.for_path("governance")
    # Coded / in scope: Activist 2/3 (c1-2, c1-4), Officer 2/3 (b1-3, b1-4),
    # Practitioner 2/7 (c2-1, b2-3). Expected coded = 6/13 of each row.
    coded, totals = [2, 2, 2], [3, 3, 7]
    chi2 = 0.0
    for x, n in zip(coded, totals, strict=True):
        for observed, share in ((x, 6 / 13), (n - x, 7 / 13)):
            expected = n * share
            chi2 += (observed - expected) ** 2 / expected
    assert governance.segments.statistic == pytest.approx(chi2)
    assert governance.segments.p_value == pytest.approx(math.exp(-chi2 / 2))  # df = 2
    assert governance.effect.value == pytest.approx(math.sqrt(chi2 / 13))


def test_compare_needs_two_groups(project: Path) -> None:
    report = run(project, filters=(("city", "Barcelona"),))
    with pytest.raises(UsageError, match="at least two groups"):
        compare(report)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_counts_equal_a_brute_force_count(project: Path, data: st.DataObject) -> None:
    """Any codings, any grouping: the vectorised counts equal counting segment by segment."""
    with Store.open(project) as store:
        segments = [s for d in store.documents() for s in store.segments(d.document_id)]
        paths = [c.path for c in store.codes()]
        chosen = data.draw(
            st.sets(st.tuples(st.sampled_from(segments), st.sampled_from(paths)), max_size=40)
        )
        by = data.draw(st.sampled_from(["city", "interviewee_role", "document"]))
        coder = "auto:prop@1"
        record_run(
            store,
            coder,
            (
                StagedCoding(s.segment_id or 0, p, "x", "word", s.start_char, s.start_char)
                for s, p in chosen
            ),
        )
        report = build_report(store, ReportOptions(by=by, coder=coder))
        documents = {d.document_id: d for d in store.documents()}

    def group(segment: Segment) -> str:
        return group_value(documents[segment.document_id or 0], by)

    in_scope = [s for s in segments if s.role != Role.INTERVIEWER]
    for line in report.lines:
        counted = {
            s.segment_id
            for s, p in chosen
            if s.role != Role.INTERVIEWER and (p == line.path or p.startswith(line.path + "/"))
        }
        for g, cell in zip(report.groups, line.cells[:-1], strict=True):
            members = [s for s in in_scope if group(s) == g.name]
            coded = [s for s in members if s.segment_id in counted]
            assert cell.segments == len(coded)
            assert cell.interviews == len({s.document_id for s in coded})
            assert g.segments == len(members)
        assert line.cells[-1].segments == len(counted)
    for i, first in enumerate(report.lines):
        for j, second in enumerate(report.lines):
            both = {
                s.segment_id
                for s in in_scope
                if any(
                    s2.segment_id == s.segment_id
                    and (p == first.path or p.startswith(first.path + "/"))
                    for s2, p in chosen
                )
                and any(
                    s2.segment_id == s.segment_id
                    and (p == second.path or p.startswith(second.path + "/"))
                    for s2, p in chosen
                )
            }
            assert report.cooccurrence[i][j] == len(both)
