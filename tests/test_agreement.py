"""Agreement: the statistics against values computed by hand, the units compared, the command.

Hand computations, for two coders with counts both / only A / only B / neither:
    po = (both + neither) / n,  pe = pA·pB + (1 - pA)(1 - pB),  kappa = (po - pe) / (1 - pe);
and for nominal alpha on complete binary data with n pairable values, n0 zeros and n1 ones,
alpha = 1 - (n - 1) · Σ_{c≠k} o_ck / (2 · n0 · n1), where o_ck is the coincidence matrix (each
unit with m values adds its c-k value pairs divided by m - 1).
"""
# ruff: noqa: E501 (the expected terminal tables are wider than the code's 100 columns)

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest

import qualcode.people.review
from qualcode.agreement import (
    AGREEMENT_COLUMNS,
    ALL_CODED,
    NO_UNITS,
    NOT_USED,
    Counts,
    build_tables,
    cohen_kappa,
    compare,
    krippendorff_alpha,
    krippendorff_reading,
    landis_koch,
    pair_counts,
    pair_row,
    percent_agreement,
    precision_recall_f1,
)
from qualcode.errors import UsageError
from qualcode.models import Decision
from qualcode.people.imports import import_codings
from qualcode.people.review import review_queue
from qualcode.people.tagging import tag
from qualcode.store import Store
from test_human import AUTO, A, B, auto_code, make_project, segment_id

# -- statistics ---------------------------------------------------------------------------------


def test_a_two_by_two_table_by_hand() -> None:
    # 10 units: both 4, only A 1, only B 2, neither 3.
    a = [1, 1, 1, 1, 1, 0, 0, 0, 0, 0]
    b = [1, 1, 1, 1, 0, 1, 1, 0, 0, 0]
    counts = pair_counts(a, b)
    assert counts == Counts(both=4, only_a=1, only_b=2, neither=3)
    # po = 0.7; pA = 0.5, pB = 0.6, pe = 0.3 + 0.2 = 0.5; kappa = 0.2 / 0.5 = 0.4.
    assert cohen_kappa(counts).value == pytest.approx(0.4)
    # n = 20 values, n1 = 11, n0 = 9, 3 disagreeing units: alpha = 1 - 19·3/(9·11) = 42/99.
    assert krippendorff_alpha([a, b]).value == pytest.approx(42 / 99)
    assert percent_agreement([a, b]).value == pytest.approx(0.7)
    precision, recall, f1 = precision_recall_f1(counts)
    assert (precision.value, recall.value, f1.value) == pytest.approx((4 / 6, 4 / 5, 8 / 11))
    row = pair_row("housing", a, b)
    assert (row.units, row.interpretation) == (10, "fair")


def test_full_agreement_with_both_categories_is_one() -> None:
    row = pair_row("housing", [1, 1, 0, 0], [1, 1, 0, 0])
    assert (row.kappa.value, row.alpha.value, row.agreement.value) == (1.0, 1.0, 1.0)
    assert row.interpretation == "almost perfect"


def test_a_code_neither_coder_used_has_no_kappa_or_alpha() -> None:
    row = pair_row("housing", [0, 0, 0], [0, 0, 0])
    assert row.agreement.value == 1.0
    assert (row.kappa.value, row.kappa.reason) == (None, NOT_USED)
    assert (row.alpha.value, row.alpha.reason) == (None, NOT_USED)
    assert (row.precision.value, row.recall.value, row.f1.value) == (None, None, None)
    assert row.f1.reason == "neither coder used it"
    assert row.interpretation == "n/a: unused"
    assert (row.kappa.text(), row.alpha.text()) == ("n/a", "n/a")


def test_every_unit_coded_by_both_is_a_single_category() -> None:
    row = pair_row("housing", [1, 1], [1, 1])
    assert (row.kappa.reason, row.alpha.reason) == (ALL_CODED, ALL_CODED)
    assert row.interpretation == "n/a: all coded"
    assert (row.precision.value, row.recall.value, row.f1.value) == (1.0, 1.0, 1.0)


def test_one_coder_constant_gives_zero_not_undefined() -> None:
    # A codes all four, B three: po = 3/4, pA = 1, pB = 3/4, pe = 3/4 -> kappa 0.
    # n = 8, n1 = 7, n0 = 1, one disagreeing unit: alpha = 1 - 7·1/(1·7) = 0.
    row = pair_row("housing", [1, 1, 1, 1], [1, 1, 0, 1])
    assert row.kappa.value == pytest.approx(0.0)
    assert row.alpha.value == pytest.approx(0.0)
    assert row.recall.value == pytest.approx(0.75) and row.precision.value == 1.0


def test_complete_disagreement() -> None:
    # po = 0, pe = 0.5 -> kappa -1; n = 4, n0 = n1 = 2, 2 disagreements: alpha = 1 - 3·2/4.
    row = pair_row("housing", [1, 0], [0, 1])
    assert row.kappa.value == pytest.approx(-1.0)
    assert row.alpha.value == pytest.approx(-0.5)
    assert row.interpretation == "poor"
    assert (row.precision.value, row.recall.value, row.f1.value) == (0.0, 0.0, 0.0)


def test_no_units() -> None:
    row = pair_row("housing", [], [])
    assert (row.kappa.reason, row.alpha.reason, row.agreement.reason) == (NO_UNITS,) * 3


def test_alpha_of_three_coders_by_hand() -> None:
    values = [[1, 1, 0, 0, 1], [1, 0, 0, 0, 1], [1, 1, 0, 1, 1]]
    # Units (1,1,1) (1,0,1) (0,0,0) (0,0,1) (1,1,1), m = 3: o11 = 3+1+3 = 7, o00 = 3+1 = 4,
    # o01 = o10 = 1+1 = 2; n = 15, n1 = 9, n0 = 6: alpha = 1 - 14·4/(2·6·9) = 52/108.
    assert krippendorff_alpha(values).value == pytest.approx(52 / 108)
    assert percent_agreement(values).value == pytest.approx(3 / 5)
    assert krippendorff_alpha([[0, 0], [0, 0], [0, 0]]).reason == NOT_USED
    assert krippendorff_alpha([[1, 0]]).reason == "needs two or more coders"


@pytest.mark.parametrize(
    ("kappa", "band"),
    [
        (-0.01, "poor"), (0.0, "slight"), (0.2, "slight"), (0.204, "slight"), (0.21, "fair"),
        (0.4, "fair"), (0.41, "moderate"), (0.6, "moderate"), (0.61, "substantial"),
        (0.8, "substantial"), (0.81, "almost perfect"), (1.0, "almost perfect"),
    ],
)  # fmt: skip
def test_landis_and_koch_bands_of_the_displayed_value(kappa: float, band: str) -> None:
    assert landis_koch(kappa) == band


def test_krippendorff_convention() -> None:
    assert [krippendorff_reading(v) for v in (0.8, 0.7999, 0.667, 0.6, -0.2)] == [
        "reliable", "reliable", "tentative", "unreliable", "unreliable",
    ]  # fmt: skip


# -- the units compared -------------------------------------------------------------------------


@pytest.fixture
def project(project_path: Path, tmp_path: Path) -> Path:
    path = make_project(project_path, tmp_path)
    with Store.open(path) as store:
        auto_code(
            store,
            {
                (A, 1): ["housing"],
                (A, 2): ["cooperatives"],
                (A, 4): ["health"],
                (B, 1): ["housing"],
            },
        )
    return path


def _values(store: Store, coders: list[str], **options: object) -> dict[str, list[tuple]]:
    tables = build_tables(store, coders, **options)  # type: ignore[arg-type]
    return {
        t.code_path: [
            (tables.labels[u], *(row[i] for row in t.values)) for i, u in enumerate(t.units)
        ]
        for t in tables.tables
    }


def test_a_person_who_tags_in_a_document_looked_at_all_of_it(project: Path) -> None:
    with Store.open(project) as store:
        tag(store, f"{A}#2", "housing", "laia")
        values = _values(store, ["laia", AUTO], codes=["housing"])
    # Every segment of a.txt, for every code; b.txt was not looked at by laia.
    assert values == {
        "housing": [(f"{A}#{n}", int(n == 2), int(n == 1)) for n in range(5)],
        "housing/eviction": [(f"{A}#{n}", 0, 0) for n in range(5)],
    }


def test_a_reviewer_looked_at_the_codings_reviewed(project: Path) -> None:
    with Store.open(project) as store:
        queue = review_queue(store, "housing", "laia")
        qualcode.people.review.decide(store, queue.items[:1], "laia", Decision.REJECT, AUTO)
        qualcode.people.review.decide(store, queue.items[1:], "laia", Decision.ACCEPT, AUTO)
        assert [i.reference for i in queue.items] == [f"{B}#1", f"{A}#1"]
        tables = build_tables(store, ["laia", AUTO])
    assert [(t.code_path, len(t.units)) for t in tables.tables] == [("housing", 2)]
    assert tables.tables[0].values == ((0, 1), (1, 1))
    assert tables.uncovered == ("housing/eviction", "work", "health", "cooperatives")


def test_a_coding_sheet_covers_its_rows_and_columns_only(project: Path, tmp_path: Path) -> None:
    sheet = tmp_path / "sheet.csv"
    sheet.write_text(
        f"document,ordinal,housing,health\n{A},1,1,\n{A},4,,\n{B},2,1,0\n", encoding="utf-8"
    )
    with Store.open(project) as store:
        import_codings(store, sheet, coder="laia")
        tag(store, f"{A}#2", "work", "laia")  # a sheet covers a.txt: the tag adds one unit
        values = _values(store, ["laia", AUTO])
    assert values == {
        "housing": [(f"{B}#2", 1, 0), (f"{A}#1", 1, 1), (f"{A}#4", 0, 0)],
        "work": [(f"{A}#2", 1, 0)],
        "health": [(f"{B}#2", 0, 0), (f"{A}#1", 0, 0), (f"{A}#4", 0, 1)],
    }


def test_documents_as_units(project: Path) -> None:
    with Store.open(project) as store:
        tag(store, f"{A}#2", "housing", "laia")
        tag(store, f"{B}#2", "health", "laia")
        values = _values(store, ["laia", AUTO], unit="document", codes=["housing", "health"])
    assert values["housing"] == [(B, 0, 1), (A, 1, 1)]
    assert values["health"] == [(B, 1, 0), (A, 0, 1)]


def test_an_automatic_coder_did_not_look_at_documents_ingested_after_its_run(
    project: Path, tmp_path: Path
) -> None:
    with Store.open(project) as store:
        with store._db:  # date the run back, as if the documents came later
            store._db.execute("UPDATE coding_runs SET started_at = '2000-01-01T00:00:00+00:00'")
        tag(store, f"{A}#1", "housing", "laia")
        tables = build_tables(store, ["laia", AUTO])
    assert tables.tables == ()


def test_unknown_coders_and_codes(project: Path) -> None:
    with Store.open(project) as store:
        tag(store, f"{A}#2", "housing", "laia")
        with pytest.raises(UsageError) as raised:
            build_tables(store, ["laia", "pau"])
        assert (
            str(raised.value) == "no codings by 'pau' in this project (coders: auto:test@1, laia)"
        )
        with pytest.raises(UsageError):
            build_tables(store, ["laia", "laia"])
        with pytest.raises(UsageError) as raised:
            build_tables(store, ["laia", AUTO], codes=["housng"])
        assert str(raised.value) == "unknown code 'housng' (did you mean 'housing'?)"


def test_compare_pools_every_code_for_the_overall_row(project: Path) -> None:
    with Store.open(project) as store:
        tag(store, f"{A}#2", "housing", "laia")
        report = compare(build_tables(store, ["laia", AUTO]))
    [pair] = report.pairs
    overall = pair.rows[-1]
    assert overall.code_path == "overall"
    # 5 codes × 5 segments of a.txt; laia: a#2 housing; auto: a#1 housing, a#2 coops, a#4 health.
    assert overall.counts == Counts(both=0, only_a=1, only_b=3, neither=21)
    assert report.units == 5
    assert [(d.code_path, d.label, d.values) for d in report.disagreements] == [
        ("housing", f"{A}#1", (0, 1)),
        ("housing", f"{A}#2", (1, 0)),
        ("health", f"{A}#4", (0, 1)),
        ("cooperatives", f"{A}#2", (0, 1)),
    ]


# -- the command --------------------------------------------------------------------------------


def _two_coders(project: Path, tmp_path: Path) -> None:
    """laia returns a sheet on a.txt #1, #2, #4 and b.txt #1; pau on a.txt #1, #2, #4."""
    with Store.open(project) as store:
        queue = review_queue(store, "health", "marta")
        qualcode.people.review.decide(store, queue.items, "marta", Decision.REJECT, AUTO)
    laia = tmp_path / "laia.csv"
    laia.write_text(
        f"document,ordinal,housing,cooperatives\n{A},1,1,0\n{A},2,1,1\n{A},4,0,0\n{B},1,1,0\n",
        encoding="utf-8",
    )
    pau = tmp_path / "pau.csv"
    pau.write_text(
        f"document,ordinal,housing,cooperatives\n{A},1,1,\n{A},2,,1\n{A},4,,\n", encoding="utf-8"
    )
    with Store.open(project) as store:
        import_codings(store, laia, coder="laia")
        import_codings(store, pau, coder="pau")


DEFINITION = (
    "Units compared: for each code, the segments every coder looked at. A person looked at the rows of a\n"
    "coding sheet they returned (for its code columns), every segment of a document they coded otherwise\n"
    "(tag, import), and each segment they coded or reviewed; an automatic coder looked at every segment\n"
    "its last run read. Text nobody looked at is not counted as agreement.\n"
)
LANDIS_KOCH = (
    "* Interpretation: Landis & Koch (1977) bands for kappa (<0 poor, 0-0.20 slight, 0.21-0.40 fair,\n"
    "0.41-0.60 moderate, 0.61-0.80 substantial, 0.81-1 almost perfect): a convention, not a verdict.\n"
)
UNDEFINED = (
    "n/a: kappa and alpha are undefined when a code shows a single category: 'unused' (no coder used it\n"
    "on these units) or 'all coded' (every coder coded every unit).\n"
)


def test_agree_command_two_coders(
    cli: Callable[..., object], project: Path, tmp_path: Path
) -> None:
    _two_coders(project, tmp_path)
    result = cli("agree", "--coder", "laia", "--coder", AUTO)
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "Agreement of 2 coders on 4 segments: laia, auto:test@1\n"
        + DEFINITION
        + "\n"
        "A: laia (reference), B: auto:test@1; P, R, F1: precision, recall and F1 of B against A\n"
        "code          n  both  A only  B only  neither   agree  kappa  alpha     P     R    F1  reading*\n"
        "------------  -  ----  ------  ------  -------  ------  -----  -----  ----  ----  ----  --------------\n"
        "housing       4     2       1       0        1   75.0%   0.50   0.53  1.00  0.67  0.80  moderate\n"
        "cooperatives  4     1       0       0        3  100.0%   1.00   1.00  1.00  1.00  1.00  almost perfect\n"
        "overall       8     3       1       0        4   87.5%   0.75   0.76  1.00  0.75  0.86  substantial\n"
        "\n" + LANDIS_KOCH + "Not compared, no segment every coder looked at: 3 codes (housing/eviction, work, health).\n"
    )  # fmt: skip


def test_agree_command_by_document_with_an_undefined_kappa(
    cli: Callable[..., object], project: Path, tmp_path: Path
) -> None:
    _two_coders(project, tmp_path)
    result = cli(
        "agree", "--coder", "laia", "--coder", "pau", "--code", "cooperatives", "--unit", "document"
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    # The segments both looked at are a.txt #1, #2, #4: one document, which both coded.
    assert result.stdout.startswith("Agreement of 2 coders on 1 document: laia, pau\n")
    assert result.stdout.split("\n\n", 1)[1] == (
        "A: laia (reference), B: pau; P, R, F1: precision, recall and F1 of B against A\n"
        "code          n  both  A only  B only  neither   agree  kappa  alpha     P     R    F1  reading*\n"
        "------------  -  ----  ------  ------  -------  ------  -----  -----  ----  ----  ----  --------------\n"
        "cooperatives  1     1       0       0        0  100.0%    n/a    n/a  1.00  1.00  1.00  n/a: all coded\n"
        "overall       1     1       0       0        0  100.0%    n/a    n/a  1.00  1.00  1.00  n/a: all coded\n"
        "\n" + LANDIS_KOCH + UNDEFINED
    )


def test_agree_command_shows_disagreements_and_writes_files(
    cli: Callable[..., object], project: Path, tmp_path: Path
) -> None:
    _two_coders(project, tmp_path)
    result = cli(
        "agree", "--coder", AUTO, "--coder", "marta", "--code", "health", "--show-disagreements",
        "--out", "out",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    # One unit: auto 1, marta 0 (she rejected it). po = 0, pA = 1, pB = 0, pe = 0: kappa 0;
    # n = 2, n0 = n1 = 1, one disagreement: alpha = 1 - 1·1/(1·1) = 0.
    assert result.stdout.split("\n\n", 1)[1] == (
        "A: auto:test@1 (reference), B: marta; P, R, F1: precision, recall and F1 of B against A\n"
        "code     n  both  A only  B only  neither  agree  kappa  alpha    P     R    F1  reading*\n"
        "-------  -  ----  ------  ------  -------  -----  -----  -----  ---  ----  ----  --------\n"
        "health   1     0       1       0        0   0.0%   0.00   0.00  n/a  0.00  0.00  slight\n"
        "overall  1     0       1       0        0   0.0%   0.00   0.00  n/a  0.00  0.00  slight\n"
        "\n" + LANDIS_KOCH + "\n"
        "Disagreements (1):\n"
        "\n"
        f"health  {A}#4\n"
        "  Ana Smith (respondent)\n"
        "  auto:test@1: yes  marta: no (rejected)\n"
        "    Waiting **lists** at the clinic are long for poor families.\n"
        "    evidence: lists → “lists”\n"
        "\n"
        "Wrote out/agreement.csv, out/disagreements.csv, out/agreement.xlsx.\n"
    )
    assert result.stdout.startswith("Agreement of 2 coders on 1 segment: auto:test@1, marta\n")
    with open(tmp_path / "out" / "agreement.csv", encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    assert list(rows[0]) == list(AGREEMENT_COLUMNS)
    assert rows[0] == {
        "reference": AUTO, "compared": "marta", "unit": "segment", "code": "health", "units": "1",
        "both": "0", "only_reference": "1", "only_compared": "0", "neither": "0",
        "percent_agreement": "0", "kappa": "0", "alpha": "0", "precision": "",
        "recall": "0", "f1": "0", "interpretation": "slight",
        "notes": "precision n/a: the compared coder never used it",
    }  # fmt: skip
    with open(tmp_path / "out" / "disagreements.csv", encoding="utf-8") as file:
        assert list(csv.DictReader(file)) == [
            {
                "code": "health", "unit": f"{A}#4", "document": A, "ordinal": "4",
                "speaker": "Ana Smith", AUTO: "yes", "marta": "no (rejected)",
                "evidence": "lists → lists",
                "text": "Waiting lists at the clinic are long for poor families.",
            }
        ]  # fmt: skip
    workbook = openpyxl.load_workbook(tmp_path / "out" / "agreement.xlsx")
    assert workbook.sheetnames == ["agreement", "disagreements"]


def test_agree_command_three_coders(
    cli: Callable[..., object], project: Path, tmp_path: Path
) -> None:
    _two_coders(project, tmp_path)
    result = cli("agree", "--coder", "laia", "--coder", "pau", "--coder", AUTO, "--code", "housing")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    start = lines.index("All coders (agree: every coder gave the same value):")
    # Units a#1 (1,1,1), a#2 (1,0,0), a#4 (0,0,0): o11 = 3, o00 = 3 + 1 = 4, o01 = o10 = 1;
    # n = 9, n1 = 4, n0 = 5: alpha = 1 - 8·2/(2·4·5) = 0.6.
    assert lines[start : start + 7] == [
        "All coders (agree: every coder gave the same value):",
        "code     n  agree  alpha  reading*",
        "-------  -  -----  -----  ----------",
        "housing  3  66.7%   0.60  unreliable",
        "overall  3  66.7%   0.60  unreliable",
        "* Interpretation: Krippendorff's (2004) convention for alpha (>=0.800 reliable, >=0.667 tentative,",
        "below unreliable): a convention, not a verdict.",
    ]  # fmt: skip
    # laia vs pau: both 1, only A 1, neither 1: po = 2/3, pe = 2/9 + 2/9: kappa = 0.4;
    # alpha = 1 - 5·1/(3·3) = 0.44; P = 1, R = 1/2, F1 = 2/3.
    assert lines[start + 9 : start + 13] == [
        "code     n  both  A only  B only  neither  agree  kappa  alpha     P     R    F1  reading*",
        "-------  -  ----  ------  ------  -------  -----  -----  -----  ----  ----  ----  --------",
        "housing  3     1       1       0        1  66.7%   0.40   0.44  1.00  0.50  0.67  fair",
        "overall  3     1       1       0        1  66.7%   0.40   0.44  1.00  0.50  0.67  fair",
    ]
    assert lines[-1] == "Not compared, no segment every coder looked at: 1 code (housing/eviction)."
    pairs = [line for line in lines if line.startswith("A: ")]
    assert pairs == [
        f"A: {r} (reference), B: {c}; P, R, F1: precision, recall and F1 of B against A"
        for r, c in (("laia", "pau"), ("laia", AUTO), ("pau", AUTO))
    ]


def test_agree_command_errors(cli: Callable[..., object], project: Path) -> None:
    result = cli("agree", "--coder", "laia", "--coder", AUTO)
    assert result.exit_code == 2
    assert result.stderr == "Error: no codings by 'laia' in this project (coders: auto:test@1)\n"
    result = cli("agree", "--coder", AUTO)
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: agreement needs two or more different coders (--coder A --coder B)\n"
    )
    with Store.open(project) as store:
        tag(store, f"{B}#1", "health", "laia")
        with store._db:
            store._db.execute("UPDATE coding_runs SET started_at = '2000-01-01T00:00:00+00:00'")
    result = cli("agree", "--coder", "laia", "--coder", AUTO)
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: no segment was looked at by all of laia, auto:test@1 (each person needs a "
        "returned coding sheet, codings, or review decisions on segments the others also "
        "looked at)\n"
    )


def test_segment_ids_of_the_fixture(project: Path) -> None:
    """The helpers above rely on the transcripts' segment order."""
    with Store.open(project) as store:
        assert segment_id(store, A, 4) > segment_id(store, A, 0)
        assert [d.name for d in store.documents()] == [B, A]
