"""The REFI-QDA schemas shipped in the package are the standard's, byte for byte."""

from __future__ import annotations

import pytest
from lxml import etree

from qualcode.refi.xmltools import schema
from refi_support import PACKAGED_SCHEMAS, SHARED_SCHEMAS


@pytest.mark.parametrize("name", ["Project", "Codebook"])
def test_packaged_schema_is_the_standards(name: str) -> None:
    shared = SHARED_SCHEMAS / f"{name}.xsd"
    if not shared.exists():
        pytest.skip(f"the standard's folder is not beside the repository ({SHARED_SCHEMAS})")
    assert (PACKAGED_SCHEMAS / f"{name}.xsd").read_bytes() == shared.read_bytes()


@pytest.mark.parametrize(
    ("name", "valid", "invalid"),
    [
        (
            "Project",
            b'<Project xmlns="urn:QDA-XML:project:1.0" name="p"/>',
            b'<Project xmlns="urn:QDA-XML:project:1.0"/>',  # name is required
        ),
        (
            "Codebook",
            b'<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes><Code guid="'
            b'5215cc69-b628-4e02-afb9-9beeaee55808" name="c" isCodable="true"/></Codes></CodeBook>',
            b'<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes/></CodeBook>',  # no Code
        ),
    ],
)
def test_packaged_schema_is_what_qualcode_validates_with(
    name: str, valid: bytes, invalid: bytes
) -> None:
    checker = schema(name)
    assert checker.validate(etree.fromstring(valid))
    assert not checker.validate(etree.fromstring(invalid))
