"""Learned models: each round of ``qualcode learn`` and the scores of a learned coder's codings."""

from __future__ import annotations

import json
from collections.abc import Iterable

from qualcode.models import LearnedModelRecord
from qualcode.store.connection import Connection, _sql_text


class LearnedStore(Connection):
    """The ``learned_models`` and ``learned_scores`` tables."""

    def save_learned_model(self, record: LearnedModelRecord) -> int:
        """Store a round of ``learn``; earlier rounds of the coder keep their figures only."""
        with self.transaction():
            self._db.execute(
                "UPDATE learned_models SET model = NULL WHERE coder = ?", (record.coder,)
            )
            cursor = self._db.execute(
                """INSERT INTO learned_models (coder, trained_at, codings, segments,
                     codebook_name, codebook_hash, metrics, qualcode_version, sklearn_version,
                     model) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                (
                    record.coder,
                    record.trained_at,
                    record.codings,
                    record.segments,
                    record.codebook_name,
                    record.codebook_hash,
                    json.dumps(record.metrics, sort_keys=True),
                    record.qualcode_version,
                    record.sklearn_version,
                    record.model,
                ),
            )
            return int(cursor.lastrowid or 0)

    def learned_models(self, coder: str, *, with_model: bool = False) -> list[LearnedModelRecord]:
        """The coder's rounds of ``learn``, oldest first (the model bytes only if asked)."""
        model = "model" if with_model else "NULL AS model"
        rows = self._db.execute(
            f"""SELECT id, coder, trained_at, codings, segments, codebook_name, codebook_hash,
                       metrics, qualcode_version, sklearn_version, {model}
                FROM learned_models WHERE coder = ? ORDER BY id""",
            (coder,),
        )
        return [
            LearnedModelRecord(
                model_id=r["id"],
                coder=r["coder"],
                trained_at=r["trained_at"],
                codings=r["codings"],
                segments=r["segments"],
                codebook_name=r["codebook_name"],
                codebook_hash=r["codebook_hash"],
                metrics=json.loads(r["metrics"]),
                qualcode_version=r["qualcode_version"],
                sklearn_version=r["sklearn_version"],
                model=r["model"],
            )
            for r in rows
        ]

    def learned_coders(self) -> list[str]:
        """People a model was learned from."""
        rows = self._db.execute("SELECT DISTINCT coder FROM learned_models ORDER BY coder")
        return [r["coder"] for r in rows]

    def replace_learned_scores(self, coder: str, rows: Iterable[tuple[int, str, float]]) -> None:
        """Make (segment_id, code_path, score) the only scores of a learned coder's codings."""
        with self.transaction():
            self._db.execute("DELETE FROM learned_scores WHERE coder = ?", (coder,))
            self._db.executemany(
                f"""INSERT INTO learned_scores (segment_id, code_path, coder, score)
                    VALUES (?, ?, {_sql_text(coder)}, ?)""",
                rows,
            )

    def learned_scores(self, coder: str) -> dict[tuple[int, str], float]:
        """{(segment_id, code_path): score} of a learned coder's codings on current segments."""
        rows = self._db.execute(
            """SELECT c.segment_id, c.code_path, c.score FROM learned_scores c
               JOIN current_segments s ON s.id = c.segment_id
               WHERE c.coder = ?""",
            (coder,),
        )
        return {(r[0], r[1]): float(r[2]) for r in rows}
