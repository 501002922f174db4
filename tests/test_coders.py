"""Coder names: people's, and the automatic coders' that people may not take."""

from __future__ import annotations

import pytest

from qualcode.coders import (
    auto_coder_name,
    check_coder,
    is_automatic,
    learned_coder,
)
from qualcode.errors import UsageError


def test_automatic_coder_names() -> None:
    assert auto_coder_name("justice", "1.0") == "auto:justice@1.0"
    assert learned_coder("laia") == "learned:laia"
    assert is_automatic("auto:justice@1.0") and is_automatic("learned:laia")
    assert not is_automatic("laia") and not is_automatic("automatic")


@pytest.mark.parametrize("name", ["auto:justice@1.0", "learned:laia", "  "])
def test_people_cannot_take_automatic_names(name: str) -> None:
    with pytest.raises(UsageError):
        check_coder(name)


def test_a_person_s_name_is_stripped() -> None:
    assert check_coder("  Laia ") == "Laia"
