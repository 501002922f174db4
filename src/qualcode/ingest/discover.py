"""Finding the transcripts under the files and folders given to ingest.

Hidden files, the sidecar ``metadata.csv`` and README/LICENSE files are not transcripts. Folders
are walked by their real paths, each once, and a symbolic link is followed only when it leads
outside the folders given and ``follow_links`` says so; every other link is counted, not read.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from qualcode.errors import QualcodeError, UsageError
from qualcode.ingest.metadata import SIDECAR_NAME, load_sidecar

IGNORED_NAMES = {
    SIDECAR_NAME,
    "readme.md",
    "readme.txt",
    "readme.rst",
    "readme",
    "license",
    "license.txt",
}


class LinkSkip(StrEnum):
    """Why a symbolic link met while walking a folder was not followed."""

    OUTSIDE = "outside"
    """It leads outside the folders given (followed only with ``follow_links``)."""
    INSIDE = "inside"
    """It leads to a file or folder inside the folders given, read under its own name."""
    WALKED = "walked"
    """It leads to a folder already walked: a loop, or two links to one folder."""
    BROKEN = "broken"
    """What it leads to does not exist."""


@dataclass(frozen=True)
class SkippedLink:
    path: Path
    target: str
    reason: LinkSkip


@dataclass
class Discovery:
    """The transcripts found under the paths given, and the links not followed."""

    files: list[tuple[Path, Path]] = field(default_factory=list)
    skipped_links: list[SkippedLink] = field(default_factory=list)


def discover(paths: Iterable[Path], *, follow_links: bool = False) -> Discovery:
    """(root, file) for every transcript under the given files and folders, in a stable order.


    Hidden files and folders, ``metadata.csv`` and README/LICENSE files are not transcripts.
    Folders are walked by their real paths, each once, so a link loop (``loop -> .``) ends at
    once. A symbolic link is not followed if it leads inside the folders given (what it leads
    to is read under its own name) or, unless ``follow_links``, outside them; each such link is
    counted in ``skipped_links``.
    """
    paths = list(paths)
    check_paths(paths)
    found = Discovery()
    roots = [given.resolve() for given in paths if given.is_dir()]
    walked: set[Path] = set()
    for given in paths:
        if given.is_file():
            found.files.append((_root_of_file(given), given.resolve()))
            continue
        files: list[Path] = []
        _walk(given, given.resolve(), roots, walked, follow_links, files, found.skipped_links)
        found.files.extend((given, file) for file in sorted(files))
    return found


def _walk(
    given: Path,
    real: Path,
    roots: list[Path],
    walked: set[Path],
    follow_links: bool,
    files: list[Path],
    skipped: list[SkippedLink],
) -> None:
    """Collect the transcripts under ``given`` (whose real path is ``real``), without recursion."""
    folders = [(given, real)]
    while folders:
        folder, real_folder = folders.pop()
        if real_folder in walked:
            continue
        walked.add(real_folder)
        try:
            entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
        except OSError:
            continue  # unreadable: as rglob did, nothing found there
        for entry in entries:
            if entry.name.startswith((".", "~$")):
                continue
            path = folder / entry.name
            if entry.is_symlink():
                target = Path(os.path.realpath(path))
                reason = _link_skip(target, roots, walked, follow_links)
                if reason is not None:
                    skipped.append(SkippedLink(path, os.readlink(path), reason))
                    continue
                if target.is_dir():
                    folders.append((path, target))
                elif entry.name.lower() not in IGNORED_NAMES:
                    files.append(path)
            elif entry.is_dir(follow_symlinks=False):
                folders.append((path, Path(os.path.realpath(path))))
            elif entry.is_file(follow_symlinks=False) and entry.name.lower() not in IGNORED_NAMES:
                files.append(path)


def _link_skip(
    target: Path, roots: list[Path], walked: set[Path], follow_links: bool
) -> LinkSkip | None:
    if not target.exists():
        return LinkSkip.BROKEN
    if any(target == root or root in target.parents for root in roots):
        return LinkSkip.INSIDE
    if target in walked:
        return LinkSkip.WALKED
    if not follow_links:
        return LinkSkip.OUTSIDE
    return None


def _root_of_file(file: Path, levels: int = 4) -> Path:
    """The folder a single file is ingested from: the nearest folder above it whose
    ``metadata.csv`` describes it, so that re-ingesting ``transcripts/barcelona/c01.txt`` alone
    keeps its name (``barcelona/c01.txt``) and its attributes; else the file's own folder."""
    folder = file.resolve().parent
    for candidate in [folder, *folder.parents][:levels]:
        try:
            sidecar = load_sidecar(candidate)
        except QualcodeError:
            continue  # an unreadable sidecar elsewhere is not this file's; ingest says so if it is
        if sidecar is not None and sidecar.describes(candidate, file.resolve()):
            return candidate
    return folder


def check_paths(paths: Iterable[Path]) -> None:
    """Refuse paths that do not exist, before anything (the project file included) is created."""
    for given in paths:
        if not given.exists():
            raise UsageError(f"no such file or folder: {given}")
