"""Project settings, such as the interviewer and chair labels."""

from __future__ import annotations

from qualcode.store.connection import Connection


class SettingStore(Connection):
    """The ``settings`` table: one value per key."""

    def get_setting(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row["value"])

    def set_setting(self, key: str, value: str | None) -> None:
        with self.transaction():
            if value is None:
                self._db.execute("DELETE FROM settings WHERE key = ?", (key,))
            else:
                self._db.execute(
                    "INSERT INTO settings VALUES (?, ?) "
                    "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                    (key, value),
                )

    def settings(self) -> dict[str, str]:
        return {
            r["key"]: r["value"] for r in self._db.execute("SELECT * FROM settings ORDER BY key")
        }
