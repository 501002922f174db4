"""Theme frequencies per group (city by default), their comparison, co-occurrence and the
code × document matrix: what the researchers write the comparative study from.

Definitions, the same in every table and export:

- **In scope**: a document's current respondent segments plus the segments whose speaker is not
  known. Interviewer and chair turns are left out, so a question that names a theme never counts
  as the respondent raising it; codings on those turns are ignored here.
- **Roll-up**: a segment counts for a code when it is coded with the code or any of its
  descendants, once however many of them it carries. ``leaves_only`` shows only the codes without
  children (which need no roll-up).
- **Segments coded**: in-scope segments counted for the code; **share**: that over the group's
  in-scope segments; **interviews**: documents with at least one, out of all the group's
  documents; **rate**: segments coded per 1,000 words of in-scope speech, which corrects for
  groups whose respondents speak in longer or shorter turns.

The core returns frozen records; :mod:`qualcode.exports.tables` turns them into tables.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from qualcode import stats
from qualcode.agreement import looked_at
from qualcode.coders import is_automatic
from qualcode.errors import QualcodeError, UsageError, closest, did_you_mean, unknown_coder
from qualcode.models import CodeRecord, Document, Role
from qualcode.people.codings import coder_codings
from qualcode.people.lookup import resolve_codes
from qualcode.store import Store

NO_VALUE = "(none)"
DOCUMENT_GROUPING = "document"


@dataclass(frozen=True)
class ReportOptions:
    """What to report: grouping attribute, coder, which codes and which documents."""

    by: str = "city"
    coder: str | None = None
    codes: tuple[str, ...] = ()
    filters: tuple[tuple[str, str], ...] = ()
    leaves_only: bool = False


@dataclass(frozen=True)
class Group:
    """A group's denominators: its interviews, in-scope segments and in-scope words."""

    name: str
    interviews: int
    segments: int
    respondent_segments: int
    unknown_speaker_segments: int
    words: int


@dataclass(frozen=True)
class Cell:
    """One code in one group."""

    segments: int
    interviews: int
    share: float
    rate: float


@dataclass(frozen=True)
class CodeLine:
    """One code of the tree with a cell per group and, last, the total."""

    path: str
    label: str
    depth: int
    leaf: bool
    cells: tuple[Cell, ...]

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]


@dataclass(frozen=True)
class DocumentColumn:
    name: str
    group: str
    segments: int
    words: int


@dataclass(frozen=True)
class Report:
    """Frequencies per group; ``groups`` is in display order and ``total`` covers them all."""

    coder: str
    by: str
    filters: tuple[tuple[str, str], ...]
    leaves_only: bool
    groups: tuple[Group, ...]
    total: Group
    lines: tuple[CodeLine, ...]
    any_code: tuple[Cell, ...]
    documents: tuple[DocumentColumn, ...]
    code_document: tuple[tuple[int, ...], ...]  # per line, segments coded per document
    cooccurrence: tuple[tuple[int, ...], ...]  # line × line, segments coded with both
    sample: tuple[int, int] | None = None
    """A person's report: (segments they looked at, in-scope segments of the documents chosen).
    Every count is of the segments they looked at; None for an automatic coder (all of them)."""


@dataclass(frozen=True)
class CodeComparison:
    path: str
    segments: stats.TestResult
    effect: stats.Effect
    interviews: stats.TestResult
    interview_effect: stats.Effect

    @property
    def significant(self) -> bool:
        return self.segments.significant


@dataclass(frozen=True)
class Comparison:
    """Per code, the test of the difference between groups (those with in-scope segments)."""

    groups: tuple[str, ...]
    test: str
    effect: str
    codes: tuple[CodeComparison, ...] = field(default=())

    def for_path(self, path: str) -> CodeComparison:
        for code in self.codes:
            if code.path == path:
                return code
        raise KeyError(path)


# -- choosing what to report ---------------------------------------------------------------------


def resolve_coder(store: Store, coder: str | None) -> str:
    """The coder asked for, else the most recent automatic one; a clear error otherwise."""
    if coder is None:
        latest = store.latest_automatic_coder()
        if latest is None:
            raise QualcodeError(
                "no automatic codings in this project yet",
                path=store.path,
                hint="run 'qualcode code --codebook FILE', or pass --coder NAME for human codings",
            )
        return latest
    known = {*store.coders(), *store.reviewers()}
    if coder not in known and not store.coder_codebooks(coder):
        raise unknown_coder(coder, known)
    return coder


def parse_filters(pairs: Iterable[str]) -> tuple[tuple[str, str], ...]:
    """``key=value`` strings from ``--where`` into (key, value) pairs (keys lower case)."""
    parsed = []
    for item in pairs:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"--where expects key=value, got '{item}'")
        parsed.append((key.strip().lower(), value.strip()))
    return tuple(parsed)


def group_value(document: Document, by: str) -> str:
    """The document's group: an attribute value, its name for ``document``, else ``(none)``."""
    if by == DOCUMENT_GROUPING:
        return document.name
    return document.attributes.get(by) or NO_VALUE


def select_documents(store: Store, filters: Sequence[tuple[str, str]]) -> list[Document]:
    """The documents whose attributes match every filter (case-insensitive values)."""
    documents = store.documents()
    if not documents:
        raise QualcodeError(
            "the project has no documents", path=store.path, hint="run 'qualcode ingest FOLDER'"
        )
    chosen = [
        d
        for d in documents
        if all(group_value(d, key).casefold() == value.casefold() for key, value in filters)
    ]
    if not chosen:
        wanted = ", ".join(f"{k}={v}" for k, v in filters)
        raise UsageError(f"no documents match {wanted}")
    return chosen


def check_grouping(documents: Sequence[Document], by: str) -> None:
    if by == DOCUMENT_GROUPING or any(by in d.attributes for d in documents):
        return
    keys = sorted({k for d in documents for k in d.attributes} | {DOCUMENT_GROUPING})
    close = closest(by, keys)
    hint = did_you_mean(close) if close else f"try one of: {', '.join(keys)}"
    raise UsageError(f"no document has the attribute '{by}'", hint=hint)


@dataclass(frozen=True)
class CodeTree:
    """The codes a coder's report shows, in tree order, with each code's ancestors."""

    codes: tuple[CodeRecord, ...]
    depth: dict[str, int]
    parent: dict[str, str | None]
    children: dict[str | None, tuple[str, ...]]

    def ancestors_or_self(self, path: str) -> list[str]:
        found: list[str] = []
        current: str | None = path
        while current is not None and current not in found:
            found.append(current)
            current = self.parent.get(current, _parent_of(current))
        return found

    def descendants_or_self(self, path: str) -> list[str]:
        out = [path]
        for child in self.children.get(path, ()):
            out.extend(self.descendants_or_self(child))
        return out

    def is_leaf(self, path: str) -> bool:
        return not self.children.get(path)


def _parent_of(path: str) -> str | None:
    return path.rsplit("/", 1)[0] if "/" in path else None


def code_tree(store: Store, coder: str, coded_paths: Iterable[str]) -> CodeTree:
    """Every code of the coder's codebooks plus any code it used, with ancestors, in tree order.

    Codes come in the codebook's order (``sort_order``); a code imported without a codebook goes
    after its siblings, by path.
    """
    all_codes = {c.path: c for c in store.codes()}
    wanted = set(store.codebook_codes(store.coder_codebooks(coder))) | set(coded_paths)
    for path in list(wanted):
        current: str | None = path
        while current is not None:
            wanted.add(current)
            record = all_codes.get(current)
            current = record.parent_path if record else _parent_of(current)
    records = {
        p: all_codes.get(p)
        or CodeRecord(path=p, label=p.rsplit("/", 1)[-1], parent_path=_parent_of(p))
        for p in wanted
    }
    children: dict[str | None, list[CodeRecord]] = {}
    for record in records.values():
        parent = record.parent_path if record.parent_path in records else None
        children.setdefault(parent, []).append(record)
    ordered: list[CodeRecord] = []
    depth: dict[str, int] = {}

    def visit(parent: str | None, level: int) -> None:
        for record in sorted(children.get(parent, []), key=lambda c: (c.sort_order, c.path)):
            ordered.append(record)
            depth[record.path] = level
            visit(record.path, level + 1)

    visit(None, 0)
    return CodeTree(
        codes=tuple(ordered),
        depth=depth,
        parent={p: r.parent_path if r.parent_path in records else None for p, r in records.items()},
        children={k: tuple(c.path for c in v) for k, v in children.items()},
    )


def shown_codes(tree: CodeTree, codes: Sequence[str], leaves_only: bool) -> list[CodeRecord]:
    """The codes to show: ``--code`` narrows to those codes and their descendants."""
    known = {c.path for c in tree.codes}
    selected: set[str] | None = None
    if codes:
        unknown = [c for c in codes if c not in known]
        if unknown:
            raise UsageError(
                f"unknown code '{unknown[0]}' (see 'qualcode codebook show', codes are paths "
                "such as inequality/housing)"
            )
        selected = {d for c in codes for d in tree.descendants_or_self(c)}
    return [
        c
        for c in tree.codes
        if (selected is None or c.path in selected) and (not leaves_only or tree.is_leaf(c.path))
    ]


# -- counting ------------------------------------------------------------------------------------


def build_report(store: Store, options: ReportOptions) -> Report:
    """Count, per shown code and group, the in-scope segments, interviews and rate."""
    coder = resolve_coder(store, options.coder)
    documents = select_documents(store, options.filters)
    check_grouping(documents, options.by)
    chosen = {d.document_id for d in documents}
    scope = [s for s in store.in_scope_segments() if s[1] in chosen]
    sample = None
    if not is_automatic(coder):
        looked = looked_at(store, coder)
        sample = (sum(1 for s in scope if s[0] in looked), len(scope))
        scope = [s for s in scope if s[0] in looked]
        if not scope:
            raise QualcodeError(
                f"{coder} looked at none of the in-scope segments of these documents",
                hint="a person's report counts only the segments they coded, judged on a "
                "coding sheet or reviewed",
            )
        seen = {s[1] for s in scope}
        documents = [d for d in documents if d.document_id in seen]
    group_names = sorted(
        {group_value(d, options.by) for d in documents}, key=lambda g: (g == NO_VALUE, g)
    )
    group_index = {g: i for i, g in enumerate(group_names)}
    # Documents ordered by group, then name: reduceat can then sum rows group by group.
    documents.sort(key=lambda d: (group_index[group_value(d, options.by)], d.name, d.document_id))
    document_index = {d.document_id: i for i, d in enumerate(documents)}
    scope.sort(key=lambda s: (document_index[s[1]], s[0]))
    segment_ids = np.array([s[0] for s in scope], dtype=np.int64)
    segment_document = np.array([document_index[s[1]] for s in scope], dtype=np.int64)
    segment_words = np.array([s[3] for s in scope], dtype=np.int64)
    segment_respondent = np.array([s[2] == Role.RESPONDENT.value for s in scope], dtype=bool)
    document_group = np.array(
        [group_index[group_value(d, options.by)] for d in documents], dtype=np.int64
    )

    # A person stands behind their own codings and the automatic ones they accepted, not those
    # they rejected (people.codings.coder_codings); out-of-scope segments drop out of the matrix
    # below.
    pairs = (
        store.coding_pairs(coder) if is_automatic(coder) else sorted(coder_codings(store, coder))
    )
    tree = code_tree(store, coder, {path for _, path in pairs})
    shown = shown_codes(tree, resolve_codes(store, options.codes), options.leaves_only)
    column = {c.path: i for i, c in enumerate(shown)}
    matrix = _coding_matrix(segment_ids, pairs, tree, column)

    n_documents, n_groups = len(documents), len(group_names)
    per_document = _sum_by(matrix.astype(np.int64), segment_document, n_documents)
    document_segments = np.bincount(segment_document, minlength=n_documents)
    document_words = np.bincount(segment_document, weights=segment_words, minlength=n_documents)
    coded_any = np.asarray(matrix.any(axis=1), dtype=np.int64).reshape(-1, 1)
    any_per_document = _sum_by(coded_any, segment_document, n_documents)

    groups = []
    for g, name in enumerate(group_names):
        in_group = document_group[segment_document] == g
        groups.append(
            Group(
                name=name,
                interviews=int((document_group == g).sum()),
                segments=int(in_group.sum()),
                respondent_segments=int(segment_respondent[in_group].sum()),
                unknown_speaker_segments=int((~segment_respondent[in_group]).sum()),
                words=int(segment_words[in_group].sum()),
            )
        )
    total = Group(
        name="total",
        interviews=n_documents,
        segments=len(scope),
        respondent_segments=int(segment_respondent.sum()),
        unknown_speaker_segments=int((~segment_respondent).sum()),
        words=int(segment_words.sum()),
    )
    denominators = [*groups, total]

    def cells(per_doc: np.ndarray) -> list[tuple[Cell, ...]]:
        """Cells per column of a documents × columns count array, for each group and total."""
        segments_by_group = _sum_by(per_doc, document_group, n_groups)
        mentions_by_group = _sum_by((per_doc > 0).astype(np.int64), document_group, n_groups)
        out = []
        for j in range(per_doc.shape[1]):
            counts = [*segments_by_group[:, j].tolist(), int(per_doc[:, j].sum())]
            mentions = [*mentions_by_group[:, j].tolist(), int((per_doc[:, j] > 0).sum())]
            out.append(
                tuple(
                    _cell(int(c), int(m), group)
                    for c, m, group in zip(counts, mentions, denominators, strict=True)
                )
            )
        return out

    line_cells = cells(per_document)
    lines = tuple(
        CodeLine(
            path=c.path,
            label=c.label,
            depth=tree.depth[c.path],
            leaf=tree.is_leaf(c.path),
            cells=line_cells[i],
        )
        for i, c in enumerate(shown)
    )
    coded_rows = matrix[matrix.any(axis=1)].astype(np.float64)
    cooccurrence = np.rint(coded_rows.T @ coded_rows).astype(np.int64)
    return Report(
        coder=coder,
        by=options.by,
        filters=options.filters,
        leaves_only=options.leaves_only,
        groups=tuple(groups),
        total=total,
        lines=lines,
        any_code=cells(any_per_document)[0],
        documents=tuple(
            DocumentColumn(
                name=d.name,
                group=group_value(d, options.by),
                segments=int(document_segments[i]),
                words=int(document_words[i]),
            )
            for i, d in enumerate(documents)
        ),
        code_document=tuple(tuple(int(v) for v in per_document[:, j]) for j in range(len(shown))),
        cooccurrence=tuple(tuple(int(v) for v in row) for row in cooccurrence),
        sample=sample,
    )


def _coding_matrix(
    segment_ids: np.ndarray,
    pairs: Sequence[tuple[int, str]],
    tree: CodeTree,
    column: Mapping[str, int],
) -> np.ndarray:
    """Segments × shown codes, True where the segment carries the code or a descendant."""
    matrix = np.zeros((len(segment_ids), len(column)), dtype=bool)
    if not pairs or not len(segment_ids):
        return matrix
    by_code: dict[str, list[int]] = {}
    for segment_id, path in pairs:
        by_code.setdefault(path, []).append(segment_id)
    order = np.argsort(segment_ids, kind="stable")
    sorted_ids = segment_ids[order]
    for path, ids in by_code.items():
        columns = [column[p] for p in tree.ancestors_or_self(path) if p in column]
        if not columns:
            continue
        wanted = np.asarray(ids, dtype=np.int64)
        positions = np.clip(np.searchsorted(sorted_ids, wanted), 0, len(sorted_ids) - 1)
        rows = order[positions[sorted_ids[positions] == wanted]]  # ids out of scope drop out
        for j in columns:
            matrix[rows, j] = True
    return matrix


def _sum_by(values: np.ndarray, labels: np.ndarray, n_labels: int) -> np.ndarray:
    """Sum the rows of a 2-D count array by integer label (0 … n_labels − 1)."""
    out = np.zeros((n_labels, values.shape[1]), dtype=np.int64)
    for j in range(values.shape[1]):
        out[:, j] = np.rint(np.bincount(labels, weights=values[:, j], minlength=n_labels))
    return out


def _cell(segments: int, interviews: int, group: Group) -> Cell:
    share = segments / group.segments if group.segments else math.nan
    rate = 1000 * segments / group.words if group.words else math.nan
    return Cell(segments=segments, interviews=interviews, share=share, rate=rate)


# -- comparing -----------------------------------------------------------------------------------


def compare(report: Report) -> Comparison:
    """Per code, test whether the share differs between groups, on segments and on interviews.

    Groups with no in-scope segment take no part. p-values are adjusted with Benjamini–Hochberg
    across the codes of the report, separately for the segment and the interview tests.
    """
    tested = [i for i, g in enumerate(report.groups) if g.segments > 0]
    if len(tested) < 2:
        raise UsageError(
            f"--compare needs at least two groups with respondent segments; by {report.by} "
            f"there {'is' if len(tested) == 1 else 'are'} {len(tested)}",
        )
    groups = [report.groups[i] for i in tested]
    segment_results, effects, interview_results, interview_effects = [], [], [], []
    for line in report.lines:
        cells = [line.cells[i] for i in tested]
        result, effect = stats.compare_counts(
            [c.segments for c in cells], [g.segments for g in groups]
        )
        segment_results.append(result)
        effects.append(effect)
        result, effect = stats.compare_counts(
            [c.interviews for c in cells], [g.interviews for g in groups]
        )
        interview_results.append(result)
        interview_effects.append(effect)
    segment_results = stats.adjust(segment_results)
    interview_results = stats.adjust(interview_results)
    two = len(tested) == 2
    return Comparison(
        groups=tuple(g.name for g in groups),
        test=stats.FISHER if two else stats.CHI_SQUARE,
        effect=stats.DIFFERENCE if two else stats.CRAMERS_V,
        codes=tuple(
            CodeComparison(line.path, s, e, i, ie)
            for line, s, e, i, ie in zip(
                report.lines,
                segment_results,
                effects,
                interview_results,
                interview_effects,
                strict=True,
            )
        ),
    )
