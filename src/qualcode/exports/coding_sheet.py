"""The coding sheet: an XLSX of segments for people to code by hand, one column per code.

Written by :mod:`qualcode.exports.spreadsheet` with exact text typed as text: ``import codings``
compares the text column with the segments, and a spreadsheet runs none of it.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from qualcode.errors import QualcodeError, UsageError
from qualcode.models import CodeRecord, Role, Segment
from qualcode.people.lookup import codes_under
from qualcode.people.sheet import SHEET_COLUMNS, SHEET_NAME
from qualcode.store import Store


@dataclass(frozen=True)
class SheetExport:
    path: Path
    rows: int
    population: int
    """Segments the rows were drawn from."""
    code_paths: tuple[str, ...]
    seed: int | None


def export_coding_sheet(
    store: Store,
    out: Path,
    *,
    codes: Sequence[str] = (),
    sample: int | None = None,
    seed: int = 1,
    role: Role | None = None,
    segment_ids: Sequence[int] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> SheetExport:
    """Write an XLSX a person can code in: current segments as rows (document, ordinal,
    speaker, role, text), one column per code (the codes given and their sub-codes, else all)
    with a 0/1 drop-down. ``sample`` draws that many segments at random with ``seed``
    (reproducible); ``role`` keeps only the turns of that role; ``segment_ids`` keeps only those
    segments (``export coding-sheet --next``). ``progress(done, total)`` is told of each row
    written."""
    if out.suffix.lower() != ".xlsx":
        raise UsageError(f"the coding sheet is an .xlsx file, not '{out.name}'")
    if sample is not None and sample < 1:
        raise UsageError("--sample must be at least 1")
    records = store.codes()
    if not records:
        raise QualcodeError(
            "the project has no codes yet", hint="run 'qualcode code --codebook FILE' first"
        )
    chosen = codes_under(records, codes)
    names = {d.document_id: d.name for d in store.documents()}
    chosen_ids = set(segment_ids or ())
    population = [
        (names[s.document_id], s)
        for batch in store.iter_current_segments()
        for s in batch
        if s.document_id is not None
        and (role is None or s.role is role)
        and (segment_ids is None or s.segment_id in chosen_ids)
    ]
    population.sort(key=lambda item: (item[0], item[1].ordinal))
    rows = population
    if sample is not None and sample < len(population):
        rows = sorted(
            random.Random(seed).sample(population, sample),
            key=lambda item: (item[0], item[1].ordinal),
        )
    _write_sheet(out, rows, chosen, progress)
    return SheetExport(
        path=out,
        rows=len(rows),
        population=len(population),
        code_paths=tuple(r.path for r in chosen),
        seed=seed if sample is not None else None,
    )


def _write_sheet(
    out: Path,
    rows: Sequence[tuple[str, Segment]],
    codes: Sequence[CodeRecord],
    progress: Callable[[int, int], None] | None = None,
) -> None:
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    from qualcode.exports.spreadsheet import Text, Workbook

    workbook = Workbook(Text.EXACT)
    sheet = workbook.add_sheet(SHEET_NAME)
    workbook.append(sheet, [*SHEET_COLUMNS, *(code.path for code in codes)])
    for done, (name, segment) in enumerate(rows, start=1):
        if progress is not None:
            progress(done, len(rows))
        role = segment.role.value if segment.role else ""
        workbook.append(sheet, [name, segment.ordinal, segment.speaker or "", role, segment.text])
    first_code = len(SHEET_COLUMNS) + 1
    if codes and rows:
        validation = DataValidation(
            type="list",
            formula1='"0,1"',
            allow_blank=True,
            showErrorMessage=True,
            errorTitle="0 or 1",
            error="Type 1 if the code applies to this segment, 0 or nothing if not.",
        )
        sheet.add_data_validation(validation)
        validation.add(
            f"{get_column_letter(first_code)}2:"
            f"{get_column_letter(first_code + len(codes) - 1)}{len(rows) + 1}"
        )
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for column, width in zip("ABCDE", (30, 8, 18, 12, 90), strict=True):
        sheet.column_dimensions[column].width = width
    for index in range(len(codes)):
        sheet.column_dimensions[get_column_letter(first_code + index)].width = 14
    for (cell,) in sheet.iter_rows(min_row=2, min_col=5, max_col=5):
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = sheet.cell(row=2, column=first_code)

    guide = workbook.add_sheet("codes")
    workbook.append(guide, ["code", "label", "description", "include", "exclude"])
    for code in codes:
        workbook.append(
            guide, [code.path, code.label, code.description, code.include, code.exclude]
        )
    for column, width in zip("ABCDE", (34, 30, 60, 50, 50), strict=True):
        guide.column_dimensions[column].width = width

    notes = workbook.add_sheet("instructions")
    for line in SHEET_INSTRUCTIONS:
        workbook.append(notes, [line])
    notes.column_dimensions["A"].width = 110
    out.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(out)


SHEET_INSTRUCTIONS = (
    "How to fill in this coding sheet",
    "Each row of 'segments' is a segment of a transcript; each column after 'text' is a code "
    "(see the 'codes' sheet for what each one means).",
    "Type 1 where the code applies to the segment; leave the cell empty (or type 0) where it "
    "does not.",
    "Every row left in the sheet counts as coded by you: an empty cell means 'does not apply'. "
    "Delete the rows you did not code.",
    "Do not edit the document, ordinal or text columns. Then: qualcode import codings FILE.xlsx "
    "--coder YOUR_NAME",
)
