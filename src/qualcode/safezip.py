"""Zip packages and XML from users, opened without trusting them.

Word, OpenDocument and Excel files are zip packages of XML; so is a REFI-QDA archive. A package a
few kilobytes long can unpack to gigabytes (a decompression bomb), and XML can declare entities
that expand without end ("billion laughs") or read other files. So before a package reaches the
library that reads its format, :func:`check_package` looks at every member: the number of members,
each member's unpacked size (an XML member has a lower limit, since a parser holds a tree several
times its size), the whole package's unpacked size, and how far each large member expands for its
packed size. Then every XML member is streamed through expat with a cap on the bytes read: a
DOCTYPE (where entities are declared) is refused, a syntax error is reported with its line, and
elements nested too deep are refused. Counting the depth element by element is most of the
check's time, so for a member of up to :data:`QUICK_CHECK_BYTES` expat runs without it and
:func:`nesting_depth` reads the depth from the bytes; when they cannot tell, or anything fails, the
element-by-element check runs and decides. An XML member whose bytes are those of one that passed
in this process (by SHA-256, as Word files made from one template share their large styles parts)
is hashed instead of parsed again: the check's outcome depends on the bytes alone.

The cap does not trust the zip headers: :meth:`SafeZip.read` counts what it inflates and stops at
the limit, and Python's zipfile itself never returns more than the size a member declares (it
stops there and the CRC check fails), so a library reading the package after the check cannot get
more than was checked either.

The limits are large enough for a 1,000-page transcript many times over, and can be changed with
the environment variables in :data:`ENVIRONMENT` (values in MB, or the ratio).
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import zipfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import BinaryIO
from xml.parsers import expat

from qualcode.errors import QualcodeError, UsageError

MB = 1_000_000
# Deeper XML is refused: lxml (python-docx) stops at 256 levels with an obscure message, and
# odfpy and the readers walk a tree recursively. Real documents nest a few dozen levels.
MAX_XML_DEPTH = 256
_CHUNK = 1 << 20
XML_SUFFIXES = (".xml", ".rels", ".qde", ".qdc")
# The SHA-256 of XML members that passed the check, by their headers' (CRC, size): the headers
# only say which digest to compare with; the digest of the bytes inflated decides. Bounded, since
# a long run reads many packages.
_PASSED: dict[tuple[int, int], bytes] = {}
_PASSED_MAX = 4096
# XML members up to this size are checked in memory, their nesting depth read from the bytes.
QUICK_CHECK_BYTES = 32 * MB


@dataclass(frozen=True)
class ZipLimits:
    """How much a zip package may hold and unpack to.

    ``max_member_bytes`` is the REFI-QDA standard's own limit on a member (2^31 - 1 bytes);
    ``max_total_bytes`` bounds the whole package, so it is what binds for media in practice.
    A member smaller than ``ratio_floor_bytes`` unpacked is not judged by its ratio: small parts
    of real files compress very well (a page of empty table cells).
    """

    max_members: int = 10_000
    max_member_bytes: int = 2**31 - 1
    max_xml_bytes: int = 256 * MB
    max_total_bytes: int = 1024 * MB
    max_ratio: int = 100
    ratio_floor_bytes: int = 10 * MB


# Environment variable -> (field of ZipLimits, what one unit of its value is in that field).
ENVIRONMENT = {
    "QUALCODE_MAX_XML_MB": ("max_xml_bytes", MB),
    "QUALCODE_MAX_UNPACKED_MB": ("max_total_bytes", MB),
    "QUALCODE_MAX_COMPRESSION_RATIO": ("max_ratio", 1),
}


def limits_from_environment(base: ZipLimits | None = None) -> ZipLimits:
    """The default limits, changed by the variables of :data:`ENVIRONMENT` that are set."""
    limits = base or ZipLimits()
    changes: dict[str, int] = {}
    for variable, (field, unit) in ENVIRONMENT.items():
        value = os.environ.get(variable, "").strip()
        if not value:
            continue
        try:
            number = float(value)
        except ValueError:
            number = 0.0
        if not number > 0:
            raise UsageError(f"{variable} must be a positive number, got '{value}'")
        changes[field] = int(number * unit)
    return replace(limits, **changes) if changes else limits


def megabytes(size: int) -> str:
    """``1,500`` for 1.5 GB, ``2.5`` for 2.5 MB, ``0.01`` for 10 KB: enough to compare."""
    value = size / MB
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 1:
        return f"{value:.1f}"
    return f"{value:.2g}"


def too_large(what: str, size: int, limit: int) -> str:
    shown, most = megabytes(size), megabytes(limit)
    if shown == most:  # just past the limit, as when a capped read stops: show the difference
        shown, most = f"{size / MB:,.6f}".rstrip("0"), f"{limit / MB:,.6f}".rstrip("0").rstrip(".")
    return f"{what} is too large when unpacked ({shown} MB > {most} MB)"


def limit_hint(variable: str) -> str:
    return f"if the file is genuine, raise the limit with {variable}; see docs/security.md"


class SafeZip:
    """A zip package whose sizes were checked on opening; use as a context manager.

    ``error`` is the error class raised (a reader's or an import's), always with the package's
    path.
    """

    def __init__(
        self,
        path: Path,
        error: type[QualcodeError],
        limits: ZipLimits | None = None,
        *,
        kind: str = "zip package",
    ) -> None:
        self.path = path
        self.error = error
        self.kind = kind
        self.limits = limits or limits_from_environment()
        self._read_bytes = 0
        try:
            self._zip = zipfile.ZipFile(path)
            members = self._zip.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError) as failure:
            raise error(f"damaged {kind} ({failure})", path=path) from None
        try:
            self._check(members)
        except QualcodeError:
            self._zip.close()
            raise
        self.members = [info for info in members if not info.is_dir()]

    def __enter__(self) -> SafeZip:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._zip.close()

    def fail(self, message: str, hint: str | None = None) -> QualcodeError:
        return self.error(message, path=self.path, hint=hint)

    def _check(self, members: list[zipfile.ZipInfo]) -> None:
        limits = self.limits
        if len(members) > limits.max_members:
            raise self.fail(
                f"the archive holds {len(members):,} members, more than the "
                f"{limits.max_members:,} qualcode reads"
            )
        total = 0
        for info in members:
            if info.is_dir():
                continue
            limit = self.member_limit(info.filename)
            if info.file_size > limit:
                raise self.fail(
                    too_large(f"'{info.filename}'", info.file_size, limit), self.hint(info)
                )
            if (
                info.file_size > limits.ratio_floor_bytes
                and info.file_size > limits.max_ratio * max(info.compress_size, 1)
            ):
                ratio = info.file_size // max(info.compress_size, 1)
                raise self.fail(
                    f"'{info.filename}' is too large when unpacked for its packed size "
                    f"({megabytes(info.file_size)} MB from {megabytes(info.compress_size)} MB, "
                    f"a ratio of {ratio:,} > {limits.max_ratio:,}): a decompression bomb",
                    "raise QUALCODE_MAX_COMPRESSION_RATIO if the file is genuine",
                )
            total += info.file_size
            if total > limits.max_total_bytes:
                raise self.fail(
                    too_large("the whole file", total, limits.max_total_bytes),
                    limit_hint("QUALCODE_MAX_UNPACKED_MB"),
                )

    def member_limit(self, name: str) -> int:
        limits = self.limits
        if name.lower().endswith(XML_SUFFIXES):
            return min(limits.max_xml_bytes, limits.max_member_bytes)
        return limits.max_member_bytes

    def hint(self, info: zipfile.ZipInfo) -> str | None:
        if info.filename.lower().endswith(XML_SUFFIXES):
            return limit_hint("QUALCODE_MAX_XML_MB")
        return None  # the standard's own limit on a member

    def is_symbolic_link(self, info: zipfile.ZipInfo) -> bool:
        return stat.S_ISLNK(info.external_attr >> 16)

    def _stream(self, info: zipfile.ZipInfo, use: Callable[[bytes], None]) -> int:
        """Inflate a member in chunks, handing each to ``use``; refuses to go past its limit or
        the package's, whatever the headers said. Returns the bytes read."""
        budget = self._budget(info)
        size = 0
        try:
            with self._zip.open(info) as stream:
                while chunk := stream.read(_CHUNK):
                    size += len(chunk)
                    if size > budget:
                        raise self.fail(
                            too_large(f"'{info.filename}'", size, budget), self.hint(info)
                        )
                    use(chunk)
        except (zipfile.BadZipFile, OSError, EOFError, zipfile.LargeZipFile) as failure:
            raise self.fail(f"damaged member '{info.filename}' ({failure})") from None
        except RuntimeError as failure:  # encrypted members
            raise self.fail(f"cannot read member '{info.filename}' ({failure})") from None
        except NotImplementedError as failure:  # a compression method zipfile does not know
            raise self.fail(f"cannot unpack member '{info.filename}' ({failure})") from None
        self._read_bytes += size
        return size

    def _budget(self, info: zipfile.ZipInfo) -> int:
        """How many bytes the member may inflate to: its own limit, and what is left of the
        package's."""
        limit = min(self.member_limit(info.filename), self.limits.max_total_bytes)
        return min(limit, self.limits.max_total_bytes - self._read_bytes)

    def read(self, info: zipfile.ZipInfo) -> bytes:
        """A member's bytes, read with the cap."""
        chunks: list[bytes] = []
        self._stream(info, chunks.append)
        return b"".join(chunks)

    def check_xml(self, info: zipfile.ZipInfo) -> None:
        """Stream an XML member through expat: refuse a DOCTYPE, report a syntax error."""
        if self._passed_before(info):
            return
        digest = self._checked_quickly(info) if info.file_size <= QUICK_CHECK_BYTES else None
        if digest is None:
            digest = self._checked_fully(info)
        if len(_PASSED) >= _PASSED_MAX:
            _PASSED.clear()
        _PASSED[(info.CRC, info.file_size)] = digest

    def _checked_fully(self, info: zipfile.ZipInfo) -> bytes:
        """The check, streamed: expat counts the depth element by element. Returns the digest."""
        checker = XmlChecker(f"'{info.filename}'", self.fail, f"corrupt {self.kind}: ")
        digest = hashlib.sha256()

        def use(chunk: bytes) -> None:
            digest.update(chunk)
            checker.feed(chunk)

        self._stream(info, use)
        checker.close()
        return digest.digest()

    def _checked_quickly(self, info: zipfile.ZipInfo) -> bytes | None:
        """The check with expat's per-element calls left out, their depth read from the bytes.

        Returns the digest when the member passes; None when it fails in any way or its bytes
        cannot tell the depth, and then :meth:`_checked_fully` runs and decides, so that the
        first problem in the member is the one reported, as always.
        """
        read_before = self._read_bytes
        checker = XmlChecker(f"'{info.filename}'", self.fail, f"corrupt {self.kind}: ", depth=False)
        chunks: list[bytes] = []

        def use(chunk: bytes) -> None:
            chunks.append(chunk)
            checker.feed(chunk)

        try:
            self._stream(info, use)
            checker.close()
        except QualcodeError:
            self._read_bytes = read_before
            return None
        data = b"".join(chunks)
        depth = nesting_depth(data, checker.encoding)
        if depth is None or depth > MAX_XML_DEPTH:
            self._read_bytes = read_before
            return None
        return hashlib.sha256(data).digest()

    def _passed_before(self, info: zipfile.ZipInfo) -> bool:
        """Whether the member's bytes are those of a member that passed :meth:`check_xml`.

        The member is inflated with the same budget as :meth:`_stream`; anything unusual (more
        bytes than the headers say, the budget reached, a damaged stream) answers no, so that the
        check proper runs and fails as it would have.
        """
        known = _PASSED.get((info.CRC, info.file_size))
        if known is None:
            return False
        budget = self._budget(info)
        digest = hashlib.sha256()
        size = 0
        try:
            with self._zip.open(info) as stream:
                while chunk := stream.read(_CHUNK):
                    size += len(chunk)
                    if size > budget or size > info.file_size:
                        return False
                    digest.update(chunk)
        except Exception:  # the check proper runs next and reports it in its own words
            return False
        if size != info.file_size or digest.digest() != known:
            return False
        self._read_bytes += size
        return True

    def check_all_xml(self, names: Iterable[str] | None = None) -> None:
        """Check every XML member (by suffix), or the members named."""
        wanted = {name.lower() for name in names} if names is not None else None
        for info in self.members:
            name = info.filename.lower()
            if (name in wanted) if wanted is not None else name.endswith(XML_SUFFIXES):
                self.check_xml(info)


class XmlChecker:
    """expat fed chunk by chunk: it keeps no tree, so it checks XML of any size in little memory.

    A DOCTYPE is refused as soon as it starts, before any entity in it is declared: no file
    qualcode reads needs one, and it is where entity bombs and references to other files live.
    Elements nested past :data:`MAX_XML_DEPTH` are refused too.
    """

    def __init__(
        self,
        what: str,
        fail: Callable[[str, str | None], QualcodeError],
        corrupt: str = "",
        *,
        depth: bool = True,
    ) -> None:
        self.what = what
        self.corrupt = corrupt
        self.fail = fail
        # With namespaces, as lxml reads them: a prefix never declared is an error here too.
        self.parser = expat.ParserCreate(namespace_separator=" ")
        self.parser.StartDoctypeDeclHandler = self._doctype
        self.parser.EntityDeclHandler = self._entity
        self.parser.XmlDeclHandler = self._declaration
        if depth:  # a call per element: most of the check's time
            self.parser.StartElementHandler = self._start
            self.parser.EndElementHandler = self._end
        self.depth = 0
        self.encoding: str | None = None

    def _declaration(self, _version: str, encoding: str | None, _standalone: int) -> None:
        self.encoding = encoding

    def _start(self, *_: object) -> None:
        self.depth += 1
        if self.depth > MAX_XML_DEPTH:
            raise self.fail(
                f"{self.what} nests elements more than {MAX_XML_DEPTH} levels deep: refusing it",
                "save the file again from the program that made it",
            )

    def _end(self, *_: object) -> None:
        self.depth -= 1

    def _doctype(self, *_: object) -> None:
        raise self.fail(
            f"{self.what} has a DOCTYPE, which no file qualcode reads needs: refusing it, since "
            "its entity declarations can expand without end or read other files",
            "save the file again from the program that made it",
        )

    def _entity(self, *_: object) -> None:
        raise self.fail(f"{self.what} declares an entity: refusing it", None)

    def feed(self, chunk: bytes) -> None:
        self._parse(chunk, False)

    def close(self) -> None:
        self._parse(b"", True)

    def _parse(self, chunk: bytes, final: bool) -> None:
        try:
            self.parser.Parse(chunk, final)
        except LookupError as error:  # the XML declaration names an encoding Python lacks
            raise self.fail(
                f"{self.corrupt}{self.what} is in an unknown encoding ({error})", None
            ) from None
        except expat.ExpatError as error:
            raise self.fail(
                f"{self.corrupt}{self.what} is not well-formed XML (line {error.lineno}, column "
                f"{error.offset + 1}: {expat.ErrorString(error.code)})",
                None,
            ) from None


# Encodings in which every byte below 128 is the ASCII character: '<', '>', '/' are found as bytes.
_ASCII_ENCODINGS = {"utf-8", "us-ascii", "iso-8859-1"}
_XML_DECLARATION = re.compile(rb"(?:\xef\xbb\xbf)?<\?xml[ \t\r\n][^<>]*\?>")


def nesting_depth(data: bytes, encoding: str | None) -> int | None:
    """How deep elements nest in ``data``, counted as expat counts them, read from the bytes; None
    when the bytes alone cannot tell.

    Only for XML that expat has read without error and without a DOCTYPE. Then, in an
    ASCII-compatible encoding (no NUL byte: UTF-16 and UTF-32 always have one) and with no
    comment, CDATA section or processing instruction (``<!``, ``<?``) after the XML declaration,
    every ``<`` begins a tag. If there are as many ``>`` as ``<``, no attribute value or text holds
    one, so a ``>`` after a ``/`` closes an empty element. Each start or empty tag then opens a
    level, each end tag (``</``) and each ``/>`` closes one, and the depth is the highest running
    sum.
    """
    if (encoding is not None and encoding.lower() not in _ASCII_ENCODINGS) or b"\0" in data:
        return None
    declaration = _XML_DECLARATION.match(data)
    body = data[declaration.end() :] if declaration else data
    if b"<!" in body or b"<?" in body or body.count(b"<") != body.count(b">"):
        return None
    import numpy as np  # only here: numpy is slow to import, and most commands never check XML

    octets = np.frombuffer(body, dtype=np.uint8)
    opens = np.flatnonzero(octets == ord("<"))
    closes = np.flatnonzero(octets == ord(">"))
    if not opens.size:
        return 0
    if opens[-1] + 1 >= octets.size or closes[0] == 0:
        return None
    empty_ends = closes[octets[closes - 1] == ord("/")]
    steps = np.concatenate(
        [
            np.where(octets[opens + 1] == ord("/"), -1, 1),
            np.full(empty_ends.size, -1),
        ]
    )
    order = np.argsort(np.concatenate([opens, empty_ends]), kind="stable")
    running = np.cumsum(steps[order])
    if running[-1] != 0 or running.min() < 0:  # not the nesting this reading assumes
        return None
    return int(running.max())


def check_xml_stream(
    stream: BinaryIO, what: str, fail: Callable[[str, str | None], QualcodeError], limit: int
) -> None:
    """Check XML from an open file as :meth:`SafeZip.check_xml` checks a member."""
    checker = XmlChecker(what, fail)
    size = 0
    while chunk := stream.read(_CHUNK):
        size += len(chunk)
        if size > limit:
            raise fail(too_large(what, size, limit), limit_hint("QUALCODE_MAX_XML_MB"))
        checker.feed(chunk)
    checker.close()


def check_package(
    path: Path,
    error: type[QualcodeError],
    *,
    kind: str,
    limits: ZipLimits | None = None,
) -> None:
    """Refuse a zip package that unpacks too far or holds XML qualcode will not read.

    Called before a format library opens the file: a bomb is refused here, by its headers or by
    the capped stream, in a few megabytes of memory.
    """
    with SafeZip(path, error, limits, kind=kind) as package:
        package.check_all_xml()


def bounded_rows(
    rows: Iterable[list[str]],
    path: Path,
    error: type[QualcodeError],
    limits: ZipLimits | None = None,
) -> Iterator[list[str]]:
    """The rows of a spreadsheet, refused once their cells hold more text than an XML member may.

    An Excel cell refers to a shared string by its number, so a sheet of a few kilobytes can
    repeat one long string in a million cells: the size checks of the package cannot see that.
    """
    limit = (limits or limits_from_environment()).max_xml_bytes
    total = 0
    for row in rows:
        total += sum(len(cell) for cell in row)
        if total > limit:
            raise error(
                too_large("the text of its cells", total, limit)
                + ": a long string repeated in many cells",
                path=path,
                hint=limit_hint("QUALCODE_MAX_XML_MB"),
            )
        yield row


# What python-docx, odfpy and openpyxl raise when a package is well-formed XML but not the
# structure they expect (a part whose root is another element, an attribute missing or holding
# text where a number belongs): they check little and fail in plain Python.
LIBRARY_FAILURES = (AttributeError, IndexError, KeyError, TypeError, ValueError)


@contextmanager
def structure_errors(
    path: Path,
    kind: str,
    library: str,
    error: type[QualcodeError],
    also: tuple[type[Exception], ...] = (),
) -> Iterator[None]:
    """Turn a format library's failure on a malformed package into a reader's or import's error.

    The message keeps the library's exception and its text, so that a failure that is qualcode's
    own after all can still be reported and found. ``also``: the library's own error classes.
    """
    try:
        yield
    except LIBRARY_FAILURES + also as failure:
        raise error(
            f"corrupt {kind} file: {library} cannot read its structure "
            f"({type(failure).__name__}: {failure})",
            path=path,
        ) from failure
