"""How far coders agree, code by code, on the units every one of them looked at.

Two halves. The statistics are pure functions of 0/1 tables (one row per coder, one column per
unit): percent agreement, Cohen's kappa (two coders), Krippendorff's alpha (nominal, two or more
coders, from the ``krippendorff`` package) and precision, recall and F1 of a coder against a
reference. The assembly builds those tables from the store.

**Units compared.** Uncoded text counts as agreement on absence only where every coder looked:
a segment is compared for a code when each coder looked at it for that code. A person looked at

- the rows of a coding sheet they returned, for the sheet's code columns (``import codings``);
- every segment of a document in which they coded something otherwise (``tag``, or an import
  of one row per coding), unless a coding sheet of theirs covers that document;
- each segment and code they coded or reviewed (accepted or rejected).

An automatic coder looked at every segment its last run read (documents ingested before it).
Only current segments count. With ``unit="document"`` a document is a unit when it has at least
one segment every coder looked at, and a coder coded it when they coded one of those segments.

**Codings compared.** A person's codings are their own plus the automatic codings they accepted,
minus those they rejected (:func:`qualcode.people.codings.coder_codings`). Codes are compared
as coded: a coding of ``inequality/housing`` is not a coding of ``inequality``.

**Undefined values.** Kappa and alpha are undefined (``value`` None, with the reason) when the
table has no units, or holds a single category: no coder used the code, or every coder coded
every unit. When only one coder is constant kappa is defined (0 at best). Precision is undefined
when the compared coder never used the code, recall when the reference never did, F1 when
neither did.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from itertools import combinations

from qualcode.coders import is_automatic
from qualcode.errors import QualcodeError, UsageError, unknown_coder
from qualcode.models import Decision, Evidence, Segment
from qualcode.people.codings import coder_codings
from qualcode.people.lookup import codes_under
from qualcode.store import Store

UNITS = ("segment", "document")
OVERALL = "overall"

NO_UNITS = "no units every coder looked at"
NOT_USED = "a single category: no coder used the code"
ALL_CODED = "a single category: every coder coded every unit"
SHORT_REASONS = {NO_UNITS: "no units", NOT_USED: "unused", ALL_CODED: "all coded"}
"""How the interpretation column names the usual reasons for an undefined kappa or alpha."""
UNDEFINED_NOTE = (
    "n/a: kappa and alpha are undefined when a code shows a single category: 'unused' (no coder "
    "used it on these units) or 'all coded' (every coder coded every unit)."
)

UNITS_DEFINITION = (
    "Units compared: for each code, the {unit}s every coder looked at. A person looked at the "
    "rows of a coding sheet they returned (for its code columns), every segment of a document "
    "they coded otherwise (tag, import), and each segment they coded or reviewed; an automatic "
    "coder looked at every segment its last run read. Text nobody looked at is not counted as "
    "agreement."
)
LANDIS_KOCH_NOTE = (
    "Interpretation: Landis & Koch (1977) bands for kappa (<0 poor, 0-0.20 slight, 0.21-0.40 "
    "fair, 0.41-0.60 moderate, 0.61-0.80 substantial, 0.81-1 almost perfect): a convention, not "
    "a verdict."
)
KRIPPENDORFF_NOTE = (
    "Interpretation: Krippendorff's (2004) convention for alpha (>=0.800 reliable, >=0.667 "
    "tentative, below unreliable): a convention, not a verdict."
)


# -- statistics ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Measure:
    """A figure, or None with the reason it is undefined."""

    value: float | None
    reason: str = ""

    def text(self, digits: int = 2) -> str:
        return "n/a" if self.value is None else f"{self.value:.{digits}f}"


@dataclass(frozen=True)
class Counts:
    """Units coded by both coders, only by the reference (A), only by the other (B), neither."""

    both: int
    only_a: int
    only_b: int
    neither: int

    @property
    def total(self) -> int:
        return self.both + self.only_a + self.only_b + self.neither


def pair_counts(a: Sequence[int], b: Sequence[int]) -> Counts:
    if len(a) != len(b):
        raise ValueError("both coders need a value for every unit")
    pairs = list(zip(a, b, strict=True))
    return Counts(
        both=pairs.count((1, 1)),
        only_a=pairs.count((1, 0)),
        only_b=pairs.count((0, 1)),
        neither=pairs.count((0, 0)),
    )


def percent_agreement(values: Sequence[Sequence[int]]) -> Measure:
    """Share of units on which every coder gave the same value."""
    if not values or not values[0]:
        return Measure(None, NO_UNITS)
    columns = list(zip(*values, strict=True))
    return Measure(sum(1 for column in columns if len(set(column)) == 1) / len(columns))


def _single_category(values: Sequence[Sequence[int]]) -> str | None:
    seen = {value for row in values for value in row}
    if len(seen) == 1:
        return NOT_USED if seen == {0} else ALL_CODED
    return None


def cohen_kappa(counts: Counts) -> Measure:
    """Cohen's kappa of two coders on a 2×2 table: (po - pe) / (1 - pe)."""
    n = counts.total
    if n == 0:
        return Measure(None, NO_UNITS)
    if counts.only_a == counts.only_b == 0 and (counts.both == 0 or counts.neither == 0):
        return Measure(None, NOT_USED if counts.both == 0 else ALL_CODED)  # pe = 1
    observed = Fraction(counts.both + counts.neither, n)
    a_yes = Fraction(counts.both + counts.only_a, n)
    b_yes = Fraction(counts.both + counts.only_b, n)
    expected = a_yes * b_yes + (1 - a_yes) * (1 - b_yes)
    return Measure(float((observed - expected) / (1 - expected)))


def krippendorff_alpha(values: Sequence[Sequence[int]]) -> Measure:
    """Krippendorff's alpha, nominal, for two or more coders (one row per coder)."""
    if len(values) < 2:
        return Measure(None, "needs two or more coders")
    if not values[0]:
        return Measure(None, NO_UNITS)
    single = _single_category(values)
    if single:
        return Measure(None, single)
    import krippendorff  # numpy behind it: loaded only when agreement is computed
    import numpy

    data = numpy.array(values, dtype=float)
    alpha = krippendorff.alpha(
        reliability_data=data, value_domain=[0.0, 1.0], level_of_measurement="nominal"
    )
    return Measure(float(alpha))


def precision_recall_f1(counts: Counts) -> tuple[Measure, Measure, Measure]:
    """Of the compared coder (B) against the reference (A)."""
    found = counts.both + counts.only_b
    relevant = counts.both + counts.only_a
    precision = (
        Measure(counts.both / found) if found else Measure(None, "the compared coder never used it")
    )
    recall = (
        Measure(counts.both / relevant)
        if relevant
        else Measure(None, "the reference never used it")
    )
    spread = 2 * counts.both + counts.only_a + counts.only_b
    f1 = Measure(2 * counts.both / spread) if spread else Measure(None, "neither coder used it")
    return precision, recall, f1


def landis_koch(kappa: float) -> str:
    """Landis & Koch's (1977) band of a kappa, as displayed (two decimals)."""
    value = round(kappa, 2)
    if value < 0:
        return "poor"
    for limit, band in (
        (0.20, "slight"),
        (0.40, "fair"),
        (0.60, "moderate"),
        (0.80, "substantial"),
    ):
        if value <= limit:
            return band
    return "almost perfect"


def krippendorff_reading(alpha: float) -> str:
    """Krippendorff's (2004) convention: 0.800 to rely on, 0.667 for tentative conclusions."""
    value = round(alpha, 3)
    if value >= 0.800:
        return "reliable"
    return "tentative" if value >= 0.667 else "unreliable"


@dataclass(frozen=True)
class PairRow:
    """One code's agreement between a reference coder (A) and another (B)."""

    code_path: str
    counts: Counts
    agreement: Measure
    kappa: Measure
    alpha: Measure
    precision: Measure
    recall: Measure
    f1: Measure

    @property
    def units(self) -> int:
        return self.counts.total

    @property
    def interpretation(self) -> str:
        if self.kappa.value is None:
            return f"n/a: {SHORT_REASONS.get(self.kappa.reason, self.kappa.reason)}"
        return landis_koch(self.kappa.value)


def pair_row(code_path: str, a: Sequence[int], b: Sequence[int]) -> PairRow:
    counts = pair_counts(a, b)
    precision, recall, f1 = precision_recall_f1(counts)
    return PairRow(
        code_path=code_path,
        counts=counts,
        agreement=percent_agreement([a, b]),
        kappa=cohen_kappa(counts),
        alpha=krippendorff_alpha([a, b]),
        precision=precision,
        recall=recall,
        f1=f1,
    )


@dataclass(frozen=True)
class GroupRow:
    """One code's agreement among all the coders (three or more)."""

    code_path: str
    units: int
    agreement: Measure
    alpha: Measure

    @property
    def interpretation(self) -> str:
        if self.alpha.value is None:
            return f"n/a: {SHORT_REASONS.get(self.alpha.reason, self.alpha.reason)}"
        return krippendorff_reading(self.alpha.value)


def group_row(code_path: str, values: Sequence[Sequence[int]]) -> GroupRow:
    return GroupRow(
        code_path=code_path,
        units=len(values[0]) if values else 0,
        agreement=percent_agreement(values),
        alpha=krippendorff_alpha(values),
    )


# -- tables from the store ----------------------------------------------------------------------


@dataclass(frozen=True)
class Coverage:
    """The segments a coder looked at: for every code, and for particular codes."""

    every_code: frozenset[int]
    by_code: dict[str, frozenset[int]]

    def segments(self, code_path: str) -> frozenset[int]:
        return self.every_code | self.by_code.get(code_path, frozenset())

    @property
    def empty(self) -> bool:
        return not self.every_code and not self.by_code


def coverage(store: Store, coder: str, document_of: dict[int, int]) -> Coverage:
    """What ``coder`` looked at among current segments (``document_of``: segment → document)."""
    if is_automatic(coder):
        return Coverage(frozenset(s for s in store.run_coverage(coder) if s in document_of), {})
    sheet = store.sheet_coverage(coder)
    own = store.own_codings(coder)
    decided = [(d.segment_id, d.code_path) for d in store.decisions(coder)]
    sheet_documents = {document_of[s] for s, _ in sheet if s in document_of}
    read = {document_of[s] for s, _ in own if s in document_of} - sheet_documents
    every = frozenset(s for s, document in document_of.items() if document in read)
    by_code: dict[str, set[int]] = {}
    for segment_id, code_path in [*sheet, *own, *decided]:
        if segment_id in document_of:
            by_code.setdefault(code_path, set()).add(segment_id)
    return Coverage(every, {code: frozenset(ids) for code, ids in by_code.items()})


def looked_at(store: Store, coder: str) -> frozenset[int]:
    """The current segments a coder looked at, for any code: what a report of a person's codings
    counts, so that a sample is never reported as the corpus."""
    document_of = {segment: document for segment, document, _ in store.current_segment_keys()}
    seen = coverage(store, coder, document_of)
    return seen.every_code.union(*seen.by_code.values())


@dataclass(frozen=True)
class CodeTable:
    """One code's 0/1 values: ``values[coder][unit]``, units in document order."""

    code_path: str
    units: tuple[int, ...]
    values: tuple[tuple[int, ...], ...]
    segments: dict[int, tuple[int, ...]]
    """For each unit, the segments compared in it (the segment itself, or a document's)."""


@dataclass(frozen=True)
class AgreementTables:
    coders: tuple[str, ...]
    unit: str
    tables: tuple[CodeTable, ...]
    uncovered: tuple[str, ...]
    """Codes without a unit every coder looked at (left out of the tables)."""
    labels: dict[int, str]
    """Unit id → ``document#ordinal`` (segments) or document name."""


def build_tables(
    store: Store, coders: Sequence[str], *, unit: str = "segment", codes: Sequence[str] = ()
) -> AgreementTables:
    """The unit × coder table of every code (``codes`` and their sub-codes, else all)."""
    if unit not in UNITS:
        raise UsageError(f"--unit is segment or document, not '{unit}'")
    chosen_coders = tuple(dict.fromkeys(c.strip() for c in coders))
    if len(chosen_coders) < 2:
        raise UsageError("agreement needs two or more different coders (--coder A --coder B)")
    keys = store.current_segment_keys()
    document_of = {segment_id: document_id for segment_id, document_id, _ in keys}
    order = {segment_id: index for index, (segment_id, _, _) in enumerate(keys)}
    names = {d.document_id: d.name for d in store.documents()}
    coverages = [coverage(store, coder, document_of) for coder in chosen_coders]
    codings = [coder_codings(store, coder) for coder in chosen_coders]
    known = set(store.coders()) | set(store.reviewers())
    for coder, seen, coded in zip(chosen_coders, coverages, codings, strict=True):
        if seen.empty and not coded and coder not in known:
            raise unknown_coder(coder, known)
    records = store.codes()
    paths = [r.path for r in codes_under(records, codes)]
    tables: list[CodeTable] = []
    uncovered: list[str] = []
    for code_path in paths:
        common = frozenset.intersection(*(c.segments(code_path) for c in coverages))
        segments = sorted(common, key=order.__getitem__)
        if not segments:
            uncovered.append(code_path)
            continue
        groups: dict[int, tuple[int, ...]]
        if unit == "segment":
            groups = {segment_id: (segment_id,) for segment_id in segments}
        else:
            grouped: dict[int, list[int]] = {}
            for segment_id in segments:
                grouped.setdefault(document_of[segment_id], []).append(segment_id)
            groups = {document: tuple(ids) for document, ids in grouped.items()}
        values = tuple(
            tuple(
                int(any((segment_id, code_path) in coded for segment_id in members))
                for members in groups.values()
            )
            for coded in codings
        )
        tables.append(CodeTable(code_path, tuple(groups), values, groups))
    if unit == "segment":
        labels = {sid: f"{names[document]}#{ordinal}" for sid, document, ordinal in keys}
    else:
        labels = dict(names)
    return AgreementTables(chosen_coders, unit, tuple(tables), tuple(uncovered), labels)


# -- the report ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class PairReport:
    reference: str
    compared: str
    rows: tuple[PairRow, ...]
    """One row per code, then the overall row (every code's units pooled)."""


@dataclass(frozen=True)
class Disagreement:
    code_path: str
    unit: int
    label: str
    values: tuple[int, ...]
    segments: tuple[int, ...]
    """The segments to show: the unit itself, or a document's segments some coder coded."""


@dataclass(frozen=True)
class AgreementReport:
    coders: tuple[str, ...]
    unit: str
    pairs: tuple[PairReport, ...]
    group: tuple[GroupRow, ...]
    """For three or more coders: one row per code, then overall; empty for two."""
    disagreements: tuple[Disagreement, ...]
    units: int
    """Distinct units compared, over all codes."""
    uncovered: tuple[str, ...]


def compare(tables: AgreementTables) -> AgreementReport:
    """Every figure for every code and pair of coders (the earlier coder is the reference)."""
    coders = tables.coders
    if not tables.tables:
        raise QualcodeError(
            f"no segment was looked at by all of {', '.join(coders)}",
            hint="each person needs a returned coding sheet, codings, or review decisions on "
            "segments the others also looked at",
        )
    pooled = [[v for table in tables.tables for v in table.values[k]] for k in range(len(coders))]
    pairs = []
    for a, b in combinations(range(len(coders)), 2):
        rows = [pair_row(t.code_path, t.values[a], t.values[b]) for t in tables.tables]
        rows.append(pair_row(OVERALL, pooled[a], pooled[b]))
        pairs.append(PairReport(coders[a], coders[b], tuple(rows)))
    group: list[GroupRow] = []
    if len(coders) > 2:
        group = [group_row(t.code_path, t.values) for t in tables.tables]
        group.append(group_row(OVERALL, pooled))
    disagreements = []
    for table in tables.tables:
        for index, unit in enumerate(table.units):
            values = tuple(row[index] for row in table.values)
            if len(set(values)) > 1:
                disagreements.append(
                    Disagreement(
                        table.code_path,
                        unit,
                        tables.labels.get(unit, str(unit)),
                        values,
                        table.segments[unit],
                    )
                )
    units = len({unit for table in tables.tables for unit in table.units})
    return AgreementReport(
        coders, tables.unit, tuple(pairs), tuple(group), tuple(disagreements), units,
        tables.uncovered,
    )  # fmt: skip


# -- disagreements with their text and evidence -------------------------------------------------


@dataclass(frozen=True)
class SegmentView:
    document_name: str
    segment: Segment
    judgements: tuple[str, ...]
    """Per coder: ``yes``, ``no``, ``yes (accepted)`` or ``no (rejected)``."""
    evidence: tuple[Evidence, ...]
    """The automatic coders' evidence for the code on this segment."""


@dataclass(frozen=True)
class DisagreementDetail:
    disagreement: Disagreement
    segments: tuple[SegmentView, ...]


def disagreement_details(store: Store, report: AgreementReport) -> list[DisagreementDetail]:
    """The disagreements with each segment's text, every coder's judgement and the evidence."""
    if not report.disagreements:
        return []
    codes = sorted({d.code_path for d in report.disagreements})
    evidence: dict[tuple[int, str], tuple[Evidence, ...]] = {}
    automatic = store.automatic_coders()
    preferred = [c for c in report.coders if is_automatic(c)]
    for coded in store.coded_segments(code_paths=codes, coders=preferred + automatic):
        key = (coded.segment.segment_id or 0, coded.code_path)
        if coded.evidence and key not in evidence:
            evidence[key] = coded.evidence
    judged = [_Judge(store, coder) for coder in report.coders]
    details = []
    for disagreement in report.disagreements:
        shown = disagreement.segments
        if report.unit == "document":
            shown = (
                tuple(s for s in shown if any(j.says(s, disagreement.code_path) for j in judged))
                or shown[:1]
            )
        views = []
        for segment_id in shown:
            found = store.segment_by_id(segment_id)
            if found is None:
                continue
            name, segment, _ = found
            views.append(
                SegmentView(
                    name,
                    segment,
                    tuple(j.label(segment_id, disagreement.code_path) for j in judged),
                    evidence.get((segment_id, disagreement.code_path), ()),
                )
            )
        details.append(DisagreementDetail(disagreement, tuple(views)))
    return details


class _Judge:
    """One coder's judgement of a segment and code, and how it came about."""

    def __init__(self, store: Store, coder: str) -> None:
        self.effective = coder_codings(store, coder)
        self.own = set(store.own_codings(coder))
        self.decisions = {
            (d.segment_id, d.code_path): d.decision
            for d in ([] if is_automatic(coder) else store.decisions(coder))
        }

    def says(self, segment_id: int, code_path: str) -> bool:
        return (segment_id, code_path) in self.effective

    def label(self, segment_id: int, code_path: str) -> str:
        pair = (segment_id, code_path)
        decision = self.decisions.get(pair)
        if pair in self.effective:
            return "yes (accepted)" if pair not in self.own and decision else "yes"
        return "no (rejected)" if decision is Decision.REJECT else "no"


# -- files --------------------------------------------------------------------------------------

AGREEMENT_COLUMNS = (
    "reference", "compared", "unit", "code", "units", "both", "only_reference", "only_compared",
    "neither", "percent_agreement", "kappa", "alpha", "precision", "recall", "f1",
    "interpretation", "notes",
)  # fmt: skip
"""Columns of agreement.csv and of the ``agreement`` sheet: a public interface."""


def agreement_records(report: AgreementReport) -> list[dict[str, object]]:
    """The rows of agreement.csv: every pair's rows, then (three or more coders) the group's,
    whose ``reference`` is ``all`` and ``compared`` the coders joined by ``;``."""
    records: list[dict[str, object]] = []
    for pair in report.pairs:
        for row in pair.rows:
            records.append(
                {
                    "reference": pair.reference,
                    "compared": pair.compared,
                    "unit": report.unit,
                    "code": row.code_path,
                    "units": row.units,
                    "both": row.counts.both,
                    "only_reference": row.counts.only_a,
                    "only_compared": row.counts.only_b,
                    "neither": row.counts.neither,
                    "percent_agreement": _percent(row.agreement),
                    "kappa": _number(row.kappa),
                    "alpha": _number(row.alpha),
                    "precision": _number(row.precision),
                    "recall": _number(row.recall),
                    "f1": _number(row.f1),
                    "interpretation": row.interpretation,
                    "notes": _notes(
                        kappa=row.kappa,
                        alpha=row.alpha,
                        precision=row.precision,
                        recall=row.recall,
                        f1=row.f1,
                    ),
                }
            )
    for group in report.group:
        records.append(
            {
                "reference": "all",
                "compared": ";".join(report.coders),
                "unit": report.unit,
                "code": group.code_path,
                "units": group.units,
                "percent_agreement": _percent(group.agreement),
                "alpha": _number(group.alpha),
                "interpretation": group.interpretation,
                "notes": _notes(alpha=group.alpha),
            }
        )
    return [{column: record.get(column, "") for column in AGREEMENT_COLUMNS} for record in records]


def disagreement_records(
    report: AgreementReport, details: Sequence[DisagreementDetail]
) -> list[dict[str, object]]:
    """The rows of disagreements.csv: one per segment shown, with each coder's judgement in a
    column named after the coder."""
    records = []
    for detail in details:
        for view in detail.segments:
            record: dict[str, object] = {
                "code": detail.disagreement.code_path,
                "unit": detail.disagreement.label,
                "document": view.document_name,
                "ordinal": view.segment.ordinal,
                "speaker": view.segment.speaker or "",
            }
            record.update(zip(report.coders, view.judgements, strict=True))
            record["evidence"] = "; ".join(f"{e.pattern} → {e.matched}" for e in view.evidence)
            record["text"] = view.segment.text
            records.append(record)
    return records


def _number(measure: Measure) -> object:
    return "" if measure.value is None else round(measure.value, 4)


def _percent(measure: Measure) -> object:
    return "" if measure.value is None else round(100 * measure.value, 2)


def _notes(**measures: Measure) -> str:
    return "; ".join(f"{name} n/a: {m.reason}" for name, m in measures.items() if m.value is None)
