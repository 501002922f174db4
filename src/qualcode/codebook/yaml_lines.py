"""YAML read with line numbers: every key and list item keeps the line it came from, and
bombs (nesting too deep, aliases that expand to too many values or into themselves) are refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from qualcode.codebook.records import MAX_YAML_DEPTH, MAX_YAML_NODES, Problem, Severity

_Loc = tuple[str | int, ...]


class _TooLarge(Exception):
    """The YAML nests or expands past a limit; carries the message and the line."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


class _BoundedLoader(yaml.SafeLoader):
    """The safe loader with the nesting of collections limited while composing.

    PyYAML composes nested collections recursively, so a codebook nested a thousand levels would
    otherwise end in RecursionError.
    """

    _depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        self._depth += 1
        try:
            if self._depth > MAX_YAML_DEPTH:
                mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
                raise _TooLarge(
                    f"the codebook nests lists and mappings more than {MAX_YAML_DEPTH} levels "
                    "deep: refusing it (real codebooks nest a few levels of codes)",
                    mark.line + 1,
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


class _Document:
    """The plain data of a YAML file and the line of every key and list item in it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.lines: dict[_Loc, int] = {(): 1}
        self.problems: list[Problem] = []
        self._open: set[int] = set()
        self._nodes = 0

    def line(self, loc: _Loc) -> int | None:
        """The line of ``loc``, or of its nearest ancestor that has one."""
        for end in range(len(loc), -1, -1):
            line = self.lines.get(loc[:end])
            if line is not None:
                return line
        return None

    def problem(
        self, loc: _Loc, key: str | None, message: str, severity: Severity = "error"
    ) -> None:
        self.problems.append(Problem(self.path, self.line(loc), key, message, severity))

    def load(self, text: str) -> Any:
        loader = _BoundedLoader(text)
        try:
            node = loader.get_single_node()
            if node is None:
                return None
            self._nodes = 0
            return self._data(loader, node, ())
        finally:
            loader.dispose()

    def _data(self, loader: yaml.SafeLoader, node: yaml.Node, loc: _Loc) -> Any:
        self._nodes += 1
        if self._nodes > MAX_YAML_NODES:
            raise _TooLarge(
                f"the codebook holds more than {MAX_YAML_NODES:,} values once its YAML aliases "
                "are expanded: refusing it, since a few lines of nested aliases can expand to "
                "billions (write the values out, or use fewer aliases)",
                self.line(loc[:1]) or node.start_mark.line + 1,
            )
        if isinstance(node, yaml.CollectionNode):
            if id(node) in self._open:  # an alias of one of its own ancestors
                self.problem(loc, _dotted(loc) or None, "a YAML alias refers to itself")
                return None
            self._open.add(id(node))
            try:
                return self._collection(loader, node, loc)
            finally:
                self._open.discard(id(node))
        return loader.construct_object(node, deep=True)

    def _collection(self, loader: yaml.SafeLoader, node: yaml.CollectionNode, loc: _Loc) -> Any:
        if isinstance(node, yaml.MappingNode):
            mapping: dict[str, Any] = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    self.lines[(*loc, "?")] = key_node.start_mark.line + 1
                    self.problem((*loc, "?"), None, "a key must be plain text")
                    continue
                # The key as written: YAML 1.1 would read a key `no` (Norwegian) as False.
                key = str(key_node.value)
                key_loc = (*loc, key)
                if key in mapping:
                    first = self.lines[key_loc]
                    message = f"key '{key}' appears twice in the same mapping (first on line "
                    message += f"{first}); YAML would silently keep the last one: keep one"
                    problem = Problem(
                        self.path, key_node.start_mark.line + 1, _dotted(key_loc), message
                    )
                    self.problems.append(problem)
                    continue
                self.lines[key_loc] = key_node.start_mark.line + 1
                mapping[key] = self._data(loader, value_node, key_loc)
            return mapping
        if isinstance(node, yaml.SequenceNode):
            items = []
            for index, item_node in enumerate(node.value):
                self.lines[(*loc, index)] = item_node.start_mark.line + 1
                items.append(self._data(loader, item_node, (*loc, index)))
            return items
        return None  # pragma: no cover - a collection is a mapping or a sequence


def _dotted(loc: Sequence[str | int]) -> str:
    """``('patterns', 'en', 2)`` → ``patterns.en[2]``: how problems name a key."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text
