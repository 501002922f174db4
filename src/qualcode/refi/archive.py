"""The ``.qdpx`` zip: written deterministically, read without trusting it.

Reading happens in memory, never by extracting members where their names say: every member name
is checked first and the whole archive is refused if one climbs out (``../x``, ``/etc/x``,
``C:\\x``) or is a symbolic link, or if it fails the checks every zip qualcode reads goes through
(:mod:`qualcode.safezip`): too many members, a member or the whole unpacking past the size caps, a
member that expands too far for its packed size. Members are read through a counter that stops at
the cap whatever the zip headers claim.

The standard wants ``project.qde`` and a flat ``sources/`` folder at the top. Archives from the big
tools and from people re-zipping a folder deviate; what can be read unambiguously is read, with a
warning: another ``.qde`` name, the whole tree inside one folder, a missing ``sources/`` folder,
different letter case, backslashes as separators.
"""

from __future__ import annotations

import os
import re
import stat
import tempfile
import zipfile
from collections.abc import Sequence
from pathlib import Path, PurePosixPath

from qualcode.errors import ImportFormatError
from qualcode.safezip import SafeZip, ZipLimits

PROJECT_MEMBER = "project.qde"
SOURCES_FOLDER = "sources"
INTERNAL_SCHEME = "internal://"
_FIXED_DATE = (1980, 1, 1, 0, 0, 0)
_WINDOWS_DRIVE = re.compile(r"[A-Za-z]:")


# The limits of every zip qualcode reads (safezip.py); kept under this name for the REFI modules.
ArchiveLimits = ZipLimits


def write_archive(path: Path, project: bytes, sources: Sequence[tuple[str, bytes]]) -> None:
    """Write ``project.qde`` and ``sources/NAME`` files; the same input gives the same bytes.

    Written to a temporary file next to ``path`` and moved into place, so an interrupted export
    leaves no half-written archive.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(handle)
    try:
        with zipfile.ZipFile(temporary, "w", zipfile.ZIP_DEFLATED) as archive:
            _write_member(archive, PROJECT_MEMBER, project)
            for name, data in sources:
                _write_member(archive, f"{SOURCES_FOLDER}/{name}", data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _write_member(archive: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=_FIXED_DATE)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = (stat.S_IFREG | 0o644) << 16
    archive.writestr(info, data)


class Archive:
    """A REFI-QDA archive opened for reading; use as a context manager."""

    def __init__(self, path: Path, limits: ArchiveLimits | None = None) -> None:
        self.path = path
        self.warnings: list[str] = []
        if not path.is_file():
            raise ImportFormatError("no such archive", path=path)
        if not zipfile.is_zipfile(path):
            raise ImportFormatError(
                "not a REFI-QDA project: a .qdpx file is a zip archive holding project.qde",
                path=path,
            )
        self._zip = SafeZip(path, ImportFormatError, limits, kind="zip archive")
        self.limits = self._zip.limits
        try:
            self._members = self._check(self._zip.members)
        except ImportFormatError:
            self._zip.close()
            raise

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._zip.close()

    def _check(self, members: list[zipfile.ZipInfo]) -> dict[str, zipfile.ZipInfo]:
        """Member names: none may climb out or be a link, and none may appear twice (the sizes
        were checked by SafeZip)."""
        found: dict[str, zipfile.ZipInfo] = {}
        for info in members:
            name = info.filename.replace("\\", "/")
            parts = PurePosixPath(name).parts
            if name.startswith("/") or _WINDOWS_DRIVE.match(name) or ".." in parts:
                raise ImportFormatError(
                    f"refusing the archive: member '{info.filename}' points outside the archive",
                    path=self.path,
                    hint="a REFI-QDA archive holds project.qde and sources/ only",
                )
            if self._zip.is_symbolic_link(info):
                raise ImportFormatError(
                    f"refusing the archive: member '{info.filename}' is a symbolic link",
                    path=self.path,
                )
            key = name.lower()
            if key in found:
                raise ImportFormatError(
                    f"the archive holds '{info.filename}' twice; cannot tell which to read",
                    path=self.path,
                )
            found[key] = info
        return found

    # -- finding members ---------------------------------------------------------------------

    def project_member(self) -> str:
        """The name of the project XML: ``project.qde``, else the archive's only ``.qde``.

        A ``project.qde`` inside a folder (an archive made by zipping the folder) is read from
        there, with a warning.
        """
        if PROJECT_MEMBER in self._members:
            return self._members[PROJECT_MEMBER].filename
        candidates = sorted(key for key in self._members if key.endswith(".qde"))
        named = [key for key in candidates if key.rpartition("/")[2] == PROJECT_MEMBER]
        if len(named) == 1:
            name = self._members[named[0]].filename
            folder = name.replace("\\", "/").rpartition("/")[0]
            self.warnings.append(
                f"the project file is inside the folder '{folder}/' of the archive, not at its "
                "top; reading it from there"
            )
            return name
        if len(candidates) == 1:
            name = self._members[candidates[0]].filename
            self.warnings.append(
                f"the project file in the archive is '{name}', not project.qde; reading it"
            )
            return name
        if not candidates:
            raise ImportFormatError(
                "no project.qde in the archive: not a REFI-QDA project",
                path=self.path,
                hint="a codebook (.qdc) goes to 'qualcode codebook import'",
            )
        names = ", ".join(self._members[key].filename for key in candidates)
        raise ImportFormatError(
            f"the archive holds several project files ({names}) and none is project.qde",
            path=self.path,
        )

    def source_member(self, reference: str, project_member: str) -> str | None:
        """The member an ``internal://NAME`` reference names, or None when the archive lacks it.

        Looked up in ``sources/`` next to the project file, then next to the project file itself
        (an archive without the ``sources/`` folder), any letter case.
        """
        name = reference[len(INTERNAL_SCHEME) :] if reference.startswith(INTERNAL_SCHEME) else ""
        name = name.replace("\\", "/").lstrip("/")
        if not name or ".." in PurePosixPath(name).parts:
            return None
        base = project_member.replace("\\", "/").rpartition("/")[0]
        prefix = f"{base}/" if base else ""
        for candidate in (f"{prefix}{SOURCES_FOLDER}/{name}", f"{prefix}{name}"):
            info = self._members.get(candidate.lower())
            if info is not None:
                return info.filename
        return None

    def in_sources_folder(self, member: str) -> bool:
        folder = member.replace("\\", "/").rpartition("/")[0]
        return folder.rpartition("/")[2].lower() == SOURCES_FOLDER

    def read(self, member: str) -> bytes:
        """A member's bytes; refuses to go past the size cap whatever the headers say."""
        return self._zip.read(self._members[member.replace("\\", "/").lower()])
