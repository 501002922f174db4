"""REFI-QDA codebooks (.qdc) into qualcode YAML codebooks, and back."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from qualcode.codebook import check_codebook, load_codebook, packaged_codebooks_dir
from qualcode.coding import code_records
from qualcode.errors import CodebookError, ImportFormatError, UsageError
from qualcode.refi.codebook import import_codebook, parse_languages, read_refi_codebook
from qualcode.refi.export import export_codebook
from refi_support import FIXTURES, breakfast_members, write_zip

QDC = FIXTURES / "codebook.qdc"


def test_fixture_becomes_a_yaml_codebook(tmp_path: Path) -> None:
    out = tmp_path / "codebooks" / "study.yaml"
    result = import_codebook(QDC, out)
    assert (result.name, result.codes) == ("study", 7)
    assert result.needing_patterns == (
        "topics/economy",
        "topics/health_care",
        "values/conservatives",
        "values/liberals",
        "habitatge_i_desnonaments",
    )
    assert result.warnings == (
        "the file does not follow the REFI-QDA schema (line 20: Element "
        "'{urn:QDA-XML:codebook:1.0}Code', attribute 'color': [facet 'pattern'] The value 'red' "
        "is not accepted by the pattern '#([A-Fa-f0-9]{6}|[A-Fa-f0-9]{3})'.); reading what "
        "qualcode can",
        '2 codes marked not codable (isCodable="false", folders) imported as ordinary codes: '
        "qualcode has no such mark, and exports every code as codable",
        "2 code names hold their hierarchy as Parent::Child; read as a tree",
        "colours that are not #RRGGBB left out: Values::Conservatives (red)",
    )
    data = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert (data["name"], data["version"], data["languages"]) == (
        "study",
        "1.0",
        ["en", "es", "ca"],
    )
    topics, values, housing = data["codes"]
    assert topics["children"][1] == {
        "id": "health_care",
        "label": "Health care",
        "description": "Health care issues, doctor, patients, etc.",
        "include": "Waiting lists, GPs, hospitals.",
        "exclude": "Social care: code Care.",
        "colour": "#33cc33",
        "patterns": {"en": [], "es": [], "ca": []},
    }
    assert [c["label"] for c in values["children"]] == ["Conservatives", "Liberals"]
    assert "colour" not in values["children"][0]
    assert (housing["id"], housing["label"], housing["colour"]) == (
        "habitatge_i_desnonaments",
        "Habitatge i desnonaments",
        "#c0392b",
    )


def test_codebook_check_lists_exactly_the_codes_that_need_patterns(tmp_path: Path) -> None:
    out = tmp_path / "study.yaml"
    result = import_codebook(QDC, out)
    problems = check_codebook(out)
    assert all(p.severity == "error" and p.key == "patterns" for p in problems)
    assert [p.message.split(":")[0] for p in problems] == [
        f"code {path}" for path in result.needing_patterns
    ]
    with pytest.raises(CodebookError, match="no patterns and no children"):
        load_codebook(out)


def test_codebook_loads_once_patterns_are_filled_in(tmp_path: Path) -> None:
    out = tmp_path / "study.yaml"
    result = import_codebook(QDC, out, languages=("en", "ca"))
    data = yaml.safe_load(out.read_text(encoding="utf-8"))

    def fill(codes: list[dict]) -> None:
        for item in codes:
            if "children" in item:
                fill(item["children"])
            else:
                item["patterns"]["en"] = [item["id"].replace("_", " ")]

    fill(data["codes"])
    out.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    codebook = load_codebook(out)
    assert [c.path for c in codebook.leaves()] == list(result.needing_patterns)
    assert codebook.code("topics/health_care").colour == "#33cc33"


def test_yaml_to_qdc_to_yaml_keeps_everything_but_patterns_and_ids(tmp_path: Path) -> None:
    justice = load_codebook(packaged_codebooks_dir() / "justice.yaml")
    export_codebook(code_records(justice), tmp_path / "justice.qdc")
    import_codebook(tmp_path / "justice.qdc", tmp_path / "back.yaml")
    data = yaml.safe_load((tmp_path / "back.yaml").read_text(encoding="utf-8"))

    def walk(items: list[dict], depth: int = 0) -> list[tuple]:
        rows = []
        for item in items:
            rows.append(
                (
                    depth,
                    item["label"],
                    item.get("description", ""),
                    item.get("include", ""),
                    item.get("exclude", ""),
                    item.get("colour"),
                )
            )
            rows.extend(walk(item.get("children", []), depth + 1))
        return rows

    assert walk(data["codes"]) == [
        (c.depth, c.label, c.description, c.include, c.exclude, c.colour) for c in justice.codes
    ]


def test_codebook_of_a_project_archive(tmp_path: Path) -> None:
    archive = write_zip(tmp_path / "breakfast.qdpx", breakfast_members())
    codebook = read_refi_codebook(archive)
    assert [c.name for c in codebook.codes] == ["Breakfast food", "Coke", "Feelings"]
    assert [c.name for c in codebook.codes[1].children] == ["full-fat Coke", "diet Coke"]
    assert codebook.count == 8


def test_existing_yaml_is_not_replaced_without_force(tmp_path: Path) -> None:
    out = tmp_path / "study.yaml"
    out.write_text("keep me")
    with pytest.raises(UsageError, match="exists"):
        import_codebook(QDC, out)
    assert out.read_text() == "keep me"
    import_codebook(QDC, out, force=True, name="my-study")
    assert yaml.safe_load(out.read_text(encoding="utf-8"))["name"] == "my-study"


def test_languages_are_checked() -> None:
    assert parse_languages("en, CA,es,en") == ("en", "ca", "es")
    with pytest.raises(UsageError, match="ISO 639-1"):
        parse_languages("english")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            '<Project xmlns="urn:QDA-XML:project:1.0" name="p"/>',
            "the root element is <Project>, not <CodeBook>: not a REFI-QDA codebook",
        ),
        ('<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes/></CodeBook>', "no codes in the file"),
        ("<CodeBook><Codes>", "not well-formed XML (column 18): no element found"),
        (
            '<!DOCTYPE CodeBook [<!ENTITY x "y">]><CodeBook name="&x;"/>',
            "refusing XML with a DOCTYPE",
        ),
    ],
)
def test_what_is_not_a_codebook_is_refused(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.qdc"
    path.write_text(content)
    with pytest.raises(ImportFormatError, match=re.escape(message)):
        read_refi_codebook(path)
