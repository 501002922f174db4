"""REFI-QDA codebooks (``.qdc``) into qualcode YAML codebooks.

The YAML keeps the tree, labels, descriptions (include and exclude notes back in their own keys)
and colours, and gives every code an empty pattern list per language for the researcher to fill
in. Until then a leaf code has nothing to match with, which ``load_codebook`` reports as an error
("the code has no patterns and no children"): the file is a codebook to finish, and
``qualcode codebook check`` lists the codes that still need patterns. Nothing is invented to make
it load: a pattern qualcode guessed from a code's name would code segments nobody chose to code.

A project archive (``.qdpx``) can be given instead of a ``.qdc``: its codebook is read.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from qualcode.defaults import DEFAULT_LANGUAGES
from qualcode.errors import ImportFormatError, UsageError
from qualcode.refi.archive import Archive, ArchiveLimits
from qualcode.refi.codes import CodeTreeNotes, ParsedCode, make_id, read_code_tree, unique_id
from qualcode.refi.xmltools import Schema, child, local_name, parse_untrusted, schema_warning
from qualcode.safezip import limit_hint, limits_from_environment, too_large

DEFAULT_VERSION = "1.0"
_LANGUAGE = re.compile(r"[a-z]{2,3}")


class _Flow(list[str]):
    """A list written on one line: ``languages: [en, es, ca]``, ``en: []``."""


class _Dumper(yaml.SafeDumper):
    pass


_Dumper.add_representer(
    _Flow,
    lambda dumper, data: dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=True),
)


@dataclass(frozen=True)
class RefiCodebook:
    """The codes of a ``.qdc`` file (or of a ``.qdpx`` project's codebook)."""

    path: Path
    origin: str
    codes: tuple[ParsedCode, ...]
    warnings: tuple[str, ...]

    @property
    def count(self) -> int:
        return sum(1 for code in self.codes for _ in code.walk())


@dataclass(frozen=True)
class CodebookImport:
    """What ``codebook import`` wrote."""

    path: Path
    name: str
    codes: int
    needing_patterns: tuple[str, ...]
    """Paths of the codes that have neither patterns nor children yet."""
    warnings: tuple[str, ...]


def read_refi_codebook(path: Path, limits: ArchiveLimits | None = None) -> RefiCodebook:
    """The codes of a ``.qdc`` file, or of the codebook inside a ``.qdpx`` archive."""
    limits = limits or limits_from_environment()
    warnings: list[str] = []
    schema_name: Schema
    if zipfile.is_zipfile(path):
        with Archive(path, limits) as archive:
            member = archive.project_member()
            data = archive.read(member)
            warnings.extend(archive.warnings)
        where, schema_name, root_name = f"{path}:{member}", "Project", "Project"
    else:
        size = path.stat().st_size
        if size > limits.max_xml_bytes:
            raise ImportFormatError(
                too_large("the codebook file", size, limits.max_xml_bytes),
                path=path,
                hint=limit_hint("QUALCODE_MAX_XML_MB"),
            )
        data = path.read_bytes()
        where, schema_name, root_name = str(path), "Codebook", "CodeBook"
    root = parse_untrusted(data, where)
    if local_name(root) != root_name:
        kind = "project" if root_name == "Project" else "codebook"
        raise ImportFormatError(
            f"the root element is <{local_name(root)}>, not <{root_name}>: not a REFI-QDA {kind}",
            path=where,
        )
    invalid = schema_warning(data, schema_name, "the file")
    if invalid:
        warnings.append(invalid)
    codebook = root if root_name == "CodeBook" else child(root, "CodeBook")
    codes_element = child(codebook, "Codes") if codebook is not None else None
    notes = CodeTreeNotes()
    codes = read_code_tree(codes_element, notes, where=where) if codes_element is not None else ()
    if not codes:
        raise ImportFormatError("no codes in the file", path=where)
    warnings.extend(notes.warnings())
    origin = (root.get("origin") or "").strip()
    return RefiCodebook(path, origin, codes, tuple(warnings))


def parse_languages(text: str) -> tuple[str, ...]:
    """``en,es,ca`` → ("en", "es", "ca"); UsageError for anything but ISO 639 codes."""
    languages = tuple(dict.fromkeys(part.strip().lower() for part in text.split(",") if part))
    bad = [language for language in languages if not _LANGUAGE.fullmatch(language)]
    if bad or not languages:
        raise UsageError(
            f"--languages expects ISO 639-1 codes separated by commas, such as en,es,ca; got "
            f"'{text}'"
        )
    return languages


def codebook_yaml(
    codebook: RefiCodebook, *, name: str, languages: Sequence[str], version: str = DEFAULT_VERSION
) -> tuple[str, tuple[str, ...]]:
    """A qualcode YAML codebook with the tree, labels, notes, colours and empty pattern lists;
    and the paths of its leaf codes, which need patterns before it loads."""
    origin = f", written by {codebook.origin}" if codebook.origin else ""
    header = [
        f"# Imported from {codebook.path.name} (REFI-QDA codebook{origin}) by qualcode.",
        "# Every code has an empty pattern list per language: fill them in (the format is in",
        "# docs/codebook-format.md). `qualcode codebook check` lists the codes still without any.",
    ]
    leaves: list[str] = []
    data = {
        "name": name,
        "version": version,
        "description": f"Imported from {codebook.path.name}.",
        "languages": _Flow(languages),
        "codes": _yaml_codes(codebook.codes, None, set(), languages, leaves),
    }
    body = yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
    return "\n".join(header) + "\n" + body, tuple(leaves)


def _yaml_codes(
    codes: Sequence[ParsedCode],
    parent: str | None,
    taken: set[str],
    languages: Sequence[str],
    leaves: list[str],
) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for code in codes:
        code_id = unique_id(make_id(code.name), taken, parent)
        path = f"{parent}/{code_id}" if parent else code_id
        taken.add(path)
        item: dict[str, Any] = {"id": code_id, "label": code.name}
        for key, value in (
            ("description", code.description),
            ("include", code.include),
            ("exclude", code.exclude),
            ("colour", code.colour),
        ):
            if value:
                item[key] = value
        item["patterns"] = {language: _Flow() for language in languages}
        if code.children:
            item["children"] = _yaml_codes(code.children, path, taken, languages, leaves)
        else:
            leaves.append(path)
        items.append(item)
    return items


def import_codebook(
    source: Path,
    out: Path,
    *,
    languages: Sequence[str] = DEFAULT_LANGUAGES,
    name: str | None = None,
    force: bool = False,
    limits: ArchiveLimits | None = None,
) -> CodebookImport:
    """Write the codebook of ``source`` (``.qdc`` or ``.qdpx``) to ``out`` as qualcode YAML."""
    if out.exists() and not force:
        raise UsageError(f"{out} exists", hint="pass --force to replace it")
    codebook = read_refi_codebook(source, limits)
    codebook_name = name or make_id(out.stem).replace("_", "-")
    text, leaves = codebook_yaml(codebook, name=codebook_name, languages=languages)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    return CodebookImport(out, codebook_name, codebook.count, leaves, codebook.warnings)
