"""The files of ``qualcode agree --out``: agreement and disagreements as CSV and one workbook.

Written through :mod:`qualcode.exports.spreadsheet` as every other table, so interview text that
starts like a formula (``=HYPERLINK(…)``) stays text in a spreadsheet.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from qualcode.agreement import (
    AGREEMENT_COLUMNS,
    AgreementReport,
    DisagreementDetail,
    agreement_records,
    disagreement_records,
)
from qualcode.exports.spreadsheet import write_csv, write_xlsx


def write_agreement_files(
    report: AgreementReport, details: Sequence[DisagreementDetail], folder: Path
) -> list[Path]:
    """agreement.csv, disagreements.csv and agreement.xlsx (both tables) in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    agreement = pd.DataFrame(agreement_records(report), columns=list(AGREEMENT_COLUMNS))
    disagreement_columns = [
        "code", "unit", "document", "ordinal", "speaker", *report.coders, "evidence", "text",
    ]  # fmt: skip
    disagreements = pd.DataFrame(
        disagreement_records(report, details), columns=disagreement_columns
    )
    paths = [folder / "agreement.csv", folder / "disagreements.csv", folder / "agreement.xlsx"]
    write_csv(agreement, paths[0])
    write_csv(disagreements, paths[1])
    write_xlsx({"agreement": agreement, "disagreements": disagreements}, paths[2])
    return paths
