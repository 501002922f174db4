"""The shape of the YAML, checked by pydantic at the edge: unknown keys, wrong types."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from qualcode.codebook.yaml_lines import _Document, _dotted, _Loc
from qualcode.errors import closest, suggesting


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _DefaultsModel(_Model):
    scope: str = "respondent"
    fuzzy_threshold: float = Field(88.0, ge=0, le=100)
    window: int = Field(8, ge=0)


class _CodebookModel(_Model):
    name: str
    version: str
    description: str | None = None
    languages: list[str]
    defaults: _DefaultsModel | None = None
    codes: list[Any]

    @field_validator("version", mode="before")
    @classmethod
    def _version_as_text(cls, value: Any) -> Any:
        if isinstance(value, bool):
            return value
        if isinstance(value, int):
            return str(value)
        if isinstance(value, float):
            raise ValueError(
                f'write the version in quotes, version: "{value}": unquoted, YAML reads it as a '
                "number and 1.10 would become 1.1"
            )
        return value


class _CodeModel(_Model):
    id: str
    label: str | None = None
    description: str | None = None
    include: str | None = None
    exclude: str | None = None
    colour: str | None = None
    patterns: dict[str, list[Any] | None] | None = None
    unless: dict[str, list[Any] | None] | None = None
    scope: str | None = None
    children: list[Any] | None = None


class _FuzzyModel(_Model):
    fuzzy: str
    threshold: float | None = Field(None, ge=0, le=100)


class _NearModel(_Model):
    near: list[str] = Field(min_length=2, max_length=2)
    within: int | None = Field(None, ge=0)


class _GuardedModel(_Model):
    pattern: str
    unless: list[str] | str | None = None
    within: int | None = Field(None, ge=0)


_ITEM_MODELS: dict[str, type[_Model]] = {
    "fuzzy": _FuzzyModel,
    "near": _NearModel,
    "pattern": _GuardedModel,
}


_PLACEHOLDERS: dict[str, Any] = {"name": "?", "version": "?", "languages": [], "codes": []}
"""Stand-ins for required keys that failed, so that checking can go on past them."""


def _validate(
    model: type[_Model], data: Any, document: _Document, loc: _Loc, context: str
) -> tuple[Any, set[str]]:
    """``model`` validated from ``data`` and the keys that had to be dropped or replaced.

    Each error is recorded with its line; the offending keys are then dropped (or replaced by a
    stand-in when required) and validation tried again, so that one bad key does not hide the
    problems of the rest. The model is None when that cannot be done.
    """
    try:
        return model.model_validate(data), set()
    except ValidationError as error:
        repaired = dict(data) if isinstance(data, dict) else None
        dropped: set[str] = set()
        for detail in error.errors():
            sub = tuple(detail["loc"])
            key = _dotted(sub) if sub else None
            document.problem(loc + sub, key, context + _describe(detail, sub, model))
            top = sub[0] if sub else None
            if repaired is None or not isinstance(top, str):
                repaired = None
                continue
            dropped.add(top)
            field = model.model_fields.get(top)
            if field is not None and field.is_required():
                if top not in _PLACEHOLDERS:
                    repaired = None
                    continue
                repaired[top] = _PLACEHOLDERS[top]
            else:
                repaired.pop(top, None)
    if repaired is None:
        return None, dropped
    try:
        return model.model_validate(repaired), dropped
    except ValidationError:  # pragma: no cover - every failing key was dropped or replaced
        return None, dropped


def _describe(detail: Any, sub: tuple[str | int, ...], model: type[_Model]) -> str:
    """A pydantic error in the words of the codebook format."""
    kind = detail["type"]
    name = str(sub[-1]) if sub else ""
    if kind == "extra_forbidden":
        known = list(model.model_fields) if len(sub) == 1 else []
        allowed = f"; allowed here: {', '.join(known)}" if known else ""
        return suggesting(f"unknown key '{name}'", closest(name, known, n=1)) + allowed
    if kind == "missing":
        return f"missing key '{name}'"
    if kind == "model_type" or kind == "dict_type":
        return "expected a mapping of keys to values"
    if kind == "list_type":
        return f"'{name}' must be a list, e.g. [a, b]"
    if kind == "string_type":
        return f"'{name}' must be text"
    if kind == "value_error":
        return str(detail["ctx"]["error"])
    return f"'{name}': {detail['msg']}"
