"""The core is a library: importing it must not pull in the command line (typer).

Imports run down the layers of ARCHITECTURE.md ("Layers"): read from the source, every import of
every module, those inside functions too, names a layer no higher than the module's own.

That holds for every module outside `cli/`, all imported in one interpreter; the report's modules
also leave matplotlib's pyplot (and its GUI backends) alone. The other way round, the command line
starts at once: importing it (all `--help`, `--version` and `status` need) brings in none of the
heavy libraries nor the core modules that use them; each command imports them when it runs.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import qualcode

PACKAGE = Path(qualcode.__file__).parent
# The command line, and the module that starts it.
CLI = ("qualcode.cli", "qualcode.__main__")
# What a report, the agreement figures, people's coding and the files a person opens are built
# from: codings already in the project, so not the pattern engine that makes them (nor its YAML
# and pydantic).
REPORT_SIDE = (
    "qualcode.report",
    "qualcode.stats",
    "qualcode.agreement",
    "qualcode.people",
    "qualcode.exports",
)
# exports.kwic shows a search's hits in context: it runs the matcher.
MATCHING_EXPORTS = {"qualcode.exports.kwic"}
PATTERN_ENGINE = {"qualcode.matching", "qualcode.codebook", "qualcode.coding", "ahocorasick_rs"}


def package_modules() -> list[str]:
    """Every module of the package by its dotted name, from the files (nothing imported)."""
    names = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


def _in(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(module == prefix or module.startswith(prefix + ".") for prefix in prefixes)


CORE_MODULES = [m for m in package_modules() if not _in(m, CLI)]
REPORT_MODULES = [m for m in CORE_MODULES if _in(m, REPORT_SIDE) and m not in MATCHING_EXPORTS]


def imported_after(*modules: str) -> set[str]:
    """The modules loaded once ``modules`` are imported, all in one fresh interpreter."""
    code = f"import sys, {', '.join(modules)}; print('\\n'.join(sorted(sys.modules)))"
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    return set(output.split())


def test_the_core_does_not_import_the_cli() -> None:
    modules = imported_after(*CORE_MODULES)
    assert set(CORE_MODULES) <= modules
    assert "qualcode.readers.docx_reader" in CORE_MODULES
    assert not {m for m in modules if m == "typer" or _in(m, ("typer", "qualcode.cli"))}


def test_reports_and_exports_do_not_import_the_pattern_engine() -> None:
    modules = imported_after(*REPORT_MODULES)
    assert {"qualcode.report", "qualcode.agreement", "qualcode.exports.segments"} <= modules
    assert modules & PATTERN_ENGINE == set()
    assert "matplotlib.pyplot" not in modules


def test_the_pattern_engine_check_can_fail() -> None:
    assert PATTERN_ENGINE - {"qualcode.coding"} <= imported_after(*MATCHING_EXPORTS)


# Libraries that take a noticeable share of a second to import, and the core modules built on them.
HEAVY_MODULES = [
    "pandas",
    "scipy",
    "matplotlib",
    "openpyxl",
    "docx",
    "pypdf",
    "numpy",
    "lxml",
    "yaml",
    "pydantic",
    "py3langid",
    "rapidfuzz",
    "ahocorasick_rs",
    "rich",
    "qualcode.matching",
    "qualcode.store",
    "qualcode.ingest",
    "qualcode.report",
]
# What the command line may import before a command runs: stdlib-only records, errors, defaults.
# entry: the stdlib-only start that installs the Ctrl-C handler before anything heavy.
CLI_CORE_MODULES = {
    "qualcode",
    "qualcode.defaults",
    "qualcode.entry",
    "qualcode.errors",
    "qualcode.models",
}


def test_the_cli_imports_nothing_heavy() -> None:
    modules = imported_after("qualcode.cli")
    assert "qualcode.cli.report_cmds" in modules
    assert {m.split(".")[0] for m in modules} & set(HEAVY_MODULES) == set()
    assert set(HEAVY_MODULES) & modules == set()
    core = {m for m in modules if m.startswith("qualcode") and not m.startswith("qualcode.cli")}
    assert core <= CLI_CORE_MODULES


# What a command may load before it prints: `--help`, `--version` and `status` answer at once.
QUICK_COMMANDS = [["--help"], ["--version"], ["status"], ["ingest", "--help"]]
NOT_FOR_QUICK_COMMANDS = {*HEAVY_MODULES, "jinja2"} - {"qualcode.store", "rich"}


def imported_running(*args: str, cwd: Path) -> set[str]:
    """The modules loaded once ``qualcode ARGS`` has run, in a fresh interpreter."""
    code = (
        "import runpy, sys\n"
        f"sys.argv = ['qualcode', *{list(args)!r}]\n"
        "try:\n    runpy.run_module('qualcode', run_name='__main__')\n"
        "except SystemExit:\n    pass\n"
        "print('\\n'.join(sorted(sys.modules)), file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=cwd
    )
    return set(done.stderr.split())


@pytest.mark.parametrize("args", QUICK_COMMANDS)
def test_quick_commands_load_nothing_heavy(args: list[str], tmp_path: Path) -> None:
    """Typer 0.29 imports pydantic for every command it parses; this is what keeps it below."""
    from qualcode.store import Store

    with Store.open(tmp_path / "p.qualcode", create=True):
        pass
    modules = imported_running("--project", str(tmp_path / "p.qualcode"), *args, cwd=tmp_path)
    assert "qualcode.cli" in modules
    assert {m for m in modules if _in(m, tuple(NOT_FOR_QUICK_COMMANDS))} == set()


def test_the_quick_command_check_can_fail(tmp_path: Path) -> None:
    """Checking a codebook loads pydantic and YAML: the check above would see them."""
    codebook = Path(__file__).parent / "fixtures" / "coding" / "mini.yaml"
    modules = imported_running("codebook", "check", str(codebook), cwd=tmp_path)
    assert {"pydantic", "yaml"} <= modules


def test_the_heavy_check_can_fail() -> None:
    """The same check sees pandas and the pattern engine once export modules are imported."""
    modules = imported_after("qualcode.exports.segments", "qualcode.exports.kwic")
    assert {"pandas", "numpy", "qualcode.matching"} <= modules


def test_the_check_would_see_typer() -> None:
    """The subprocess check is able to fail: importing the CLI does bring typer in."""
    assert "typer" in imported_after("qualcode.cli")


def test_the_readers_sit_below_ingest() -> None:
    """Reading a file needs none of ingest: the readers use the label recognisers of speakers.py."""
    modules = imported_after("qualcode.readers")
    assert "qualcode.speakers" in modules  # what the check looks for is there to see
    assert not {m for m in modules if m.split(".")[:2] == ["qualcode", "ingest"]}


# ARCHITECTURE.md's layers, bottom first, by the package's top-level modules and folders: a module
# may import its own layer and those below it.
LAYERS = (
    ("models", "errors", "defaults", "text", "coders", "code_paths", "sentence_vectors"),
    ("store", "readers", "safezip", "speakers", "codebook", "workers"),
    ("ingest", "matching"),
    (
        "coding", "people", "report", "stats", "agreement", "learning", "search", "explain",
        "words", "context", "memos", "document_view",
    ),
    ("exports", "refi"),
    ("cli", "entry", "__main__"),
)  # fmt: skip
LAYER = {box: level for level, boxes in enumerate(LAYERS) for box in boxes}


def _box(module: str) -> str | None:
    """``qualcode.ingest.run`` is in the box ``ingest``; the package (its version) in none."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "qualcode" else None


def upward_imports(module: str, source: str) -> list[str]:
    """``line: name`` of each import in ``source`` (of ``module``) of a layer above its own."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{module}: relative import on line {node.lineno}"
            names = [node.module or ""]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        for name in names:
            box = _box(name)
            if box is not None and LAYER[box] > LAYER[_box(module) or ""]:
                found.append(f"{node.lineno}: {name}")
    return found


def _source(module: str) -> str:
    path = PACKAGE.parent.joinpath(*module.split("."))
    return (path / "__init__.py" if path.is_dir() else path.with_suffix(".py")).read_text("utf-8")


def test_every_module_has_a_layer() -> None:
    boxes = {_box(m) for m in package_modules()} - {None}
    assert {"ingest", "people", "cli", "code_paths"} <= boxes
    assert boxes <= set(LAYER), "place the new module in LAYERS and in ARCHITECTURE.md"


def test_imports_run_down_the_layers() -> None:
    """Ingest, for one, asks nothing of people's coding: a table transcript's codes are looked up
    with ``code_paths``, below both."""
    upward = {m: upward_imports(m, _source(m)) for m in package_modules() if _box(m) is not None}
    assert len(upward) > 90
    assert {module: found for module, found in upward.items() if found} == {}


def test_the_layer_check_sees_an_import_inside_a_function() -> None:
    source = "def codings():\n    from qualcode.people.lookup import find_code\n"
    assert upward_imports("qualcode.ingest.run", source) == ["2: qualcode.people.lookup"]
    assert upward_imports("qualcode.memos", source) == []
