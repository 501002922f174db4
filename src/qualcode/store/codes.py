"""The codes of the project and the codebooks they came from."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from qualcode.models import CodeRecord
from qualcode.store.connection import Connection

_INSERT_CODE = """INSERT INTO codes (path, label, parent_path, description, include, exclude,
                                     colour, sort_order, codebook)
                  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"""
"""A code's row, its values in the order of :func:`_code_row`."""


class CodeStore(Connection):
    """The ``codes`` table."""

    def save_codes(self, codes: Iterable[CodeRecord], codebook: str) -> None:
        """Add or update codes (their label, description and colour follow the codebook)."""
        with self.transaction():
            self._db.executemany(
                f"""{_INSERT_CODE}
                   ON CONFLICT(path) DO UPDATE SET label = excluded.label,
                     parent_path = excluded.parent_path, description = excluded.description,
                     include = excluded.include, exclude = excluded.exclude,
                     colour = excluded.colour, sort_order = excluded.sort_order,
                     codebook = excluded.codebook""",
                [_code_row(c, codebook) for c in codes],
            )

    def codes(self) -> list[CodeRecord]:
        rows = self._db.execute("SELECT * FROM codes ORDER BY sort_order, path")
        return [
            CodeRecord(
                path=r["path"],
                label=r["label"],
                parent_path=r["parent_path"],
                description=r["description"],
                include=r["include"],
                exclude=r["exclude"],
                colour=r["colour"],
                sort_order=r["sort_order"],
            )
            for r in rows
        ]

    def add_missing_codes(self, codes: Iterable[CodeRecord], codebook: str) -> tuple[str, ...]:
        """Add the codes the project does not have yet; leave the others exactly as they are.

        An import must not relabel or re-attribute a code that a codebook brought. Returns the
        paths added.
        """
        added: list[str] = []
        with self.transaction():
            for c in codes:
                cursor = self._db.execute(
                    f"{_INSERT_CODE} ON CONFLICT(path) DO NOTHING",
                    _code_row(c, codebook),
                )
                if cursor.rowcount:
                    added.append(c.path)
        return tuple(added)

    def coder_codebooks(self, coder: str) -> list[str]:
        """Codebooks a coder ran or used: their whole code tree belongs in the coder's report."""
        rows = self._db.execute(
            """SELECT codebook_name AS name FROM coding_runs WHERE coder = ?
               UNION SELECT k.codebook FROM codings c JOIN codes k ON k.path = c.code_path
               WHERE c.coder = ? AND k.codebook IS NOT NULL ORDER BY name""",
            (coder, coder),
        )
        return [str(r["name"]) for r in rows]

    def codebook_codes(self, codebooks: Sequence[str]) -> list[str]:
        """Paths of the codes that came from these codebooks."""
        if not codebooks:
            return []
        rows = self._db.execute(
            f"SELECT path FROM codes WHERE codebook IN ({','.join('?' * len(codebooks))})",
            list(codebooks),
        )
        return [str(r["path"]) for r in rows]


def _code_row(code: CodeRecord, codebook: str | None) -> tuple[object, ...]:
    """A code's values in the column order of the ``codes`` table."""
    return (
        code.path,
        code.label,
        code.parent_path,
        code.description,
        code.include,
        code.exclude,
        code.colour,
        code.sort_order,
        codebook,
    )
