"""Loading and checking codebooks: records, every kind of problem with its line and key, lookup."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from qualcode.codebook import (
    Codebook,
    PatternKind,
    Problem,
    Scope,
    check_codebook,
    find_codebook,
    load_codebook,
    parse_pattern,
    regex_chained_repeats,
    regex_risk,
    regex_start_characters,
    render_tree,
)
from qualcode.errors import CodebookError

FIXTURES = Path(__file__).parent / "fixtures" / "codebooks"
JUSTICE = FIXTURES / "justice.yaml"
BROKEN = FIXTURES / "broken.yaml"


def line_of(path: Path, marker: str) -> int:
    """The 1-based line of the only line of ``path`` that contains ``marker``."""
    lines = [n for n, text in enumerate(path.read_text().splitlines(), 1) if marker in text]
    assert len(lines) == 1, f"{marker!r} is on lines {lines}"
    return lines[0]


def write(tmp_path: Path, text: str, name: str = "codebook.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


MINIMAL = """\
name: mini
version: "2"
languages: [en, es, ca]
codes:
  - id: housing
    patterns:
      en: ["housing"]
"""


# --------------------------------------------------------------------------------------------
# Loading a valid codebook


@pytest.fixture(scope="module")
def justice() -> Codebook:
    return load_codebook(JUSTICE)


def test_load_reads_the_top_level(justice: Codebook) -> None:
    assert justice.name == "justice"
    assert justice.version == "1.0"
    assert justice.description.startswith("Themes of an invented")
    assert justice.languages == ("en", "es", "ca")
    assert justice.defaults.scope is Scope.RESPONDENT
    assert justice.defaults.fuzzy_threshold == 85
    assert justice.defaults.window == 4
    assert justice.source_path == JUSTICE
    assert justice.content_hash == hashlib.sha256(JUSTICE.read_bytes()).hexdigest()


def test_codes_are_in_tree_preorder_with_paths_parents_and_depths(justice: Codebook) -> None:
    assert [(c.path, c.parent_path, c.depth) for c in justice.codes] == [
        ("inequality", None, 0),
        ("inequality/housing", "inequality", 1),
        ("inequality/housing/rent", "inequality/housing", 2),
        ("inequality/work", "inequality", 1),
        ("interviewer-prompts", None, 0),
        ("interviewer-prompts/follow-up", "interviewer-prompts", 1),
        ("community", None, 0),
    ]


def test_code_fields(justice: Codebook) -> None:
    inequality = justice.code("inequality")
    assert inequality.label == "Inequality"
    assert inequality.include.startswith("Gaps and divides")
    assert inequality.exclude.startswith("Statistics")
    assert inequality.colour == "#c0392b"  # lower-cased
    assert [p.source for p in inequality.unless] == ["inequality of arms"]
    assert justice.code("inequality/housing").colour is None
    assert justice.code("inequality/housing").line == line_of(JUSTICE, "- id: housing")


def test_scope_defaults_and_is_inherited_by_children(justice: Codebook) -> None:
    assert justice.code("inequality/housing/rent").scope is Scope.RESPONDENT
    assert justice.code("interviewer-prompts").scope is Scope.INTERVIEWER
    assert justice.code("interviewer-prompts/follow-up").scope is Scope.INTERVIEWER
    assert justice.code("community").scope is Scope.ALL


def test_patterns_keep_language_kind_and_source(justice: Codebook) -> None:
    housing = justice.code("inequality/housing")
    found = {(p.language, p.source): p.kind for p in housing.patterns}
    assert found[("en", "housing")] is PatternKind.WORD
    assert found[("en", "stem:evict")] is PatternKind.STEM
    assert found[("en", "social housing")] is PatternKind.PHRASE
    assert found[("en", "re:super ?blocks?")] is PatternKind.REGEX
    assert found[("es", "fuzzy:desahucio")] is PatternKind.FUZZY
    assert found[("ca", "desnonament*")] is PatternKind.PREFIX
    assert found[("ca", "l'habitatge")] is PatternKind.PHRASE
    fuzzy = next(p for p in housing.patterns if p.kind is PatternKind.FUZZY)
    assert fuzzy.threshold == 85  # defaults.fuzzy_threshold


def test_pattern_mappings(justice: Codebook) -> None:
    rent = justice.code("inequality/housing/rent")
    guarded = next(p for p in rent.patterns if p.source == "rent")
    assert guarded.kind is PatternKind.WORD
    assert guarded.within == 3
    assert [v.source for v in guarded.unless] == ["rent a car", "car"]
    landlord = next(p for p in rent.patterns if p.kind is PatternKind.FUZZY)
    assert (landlord.source, landlord.threshold) == ("fuzzy:landlord", 80)
    work = justice.code("inequality/work")
    near = next(p for p in work.patterns if p.kind is PatternKind.NEAR)
    assert near.source == "living wage NEAR/5 accredit*"
    assert near.near is not None
    assert [part.terms for part in near.near] == [("living", "wage"), ("accredit*",)]
    wage = next(p for p in work.patterns if p.source == "wage*")
    assert wage.within is None  # unless without within: anywhere in the segment
    assert [v.source for v in wage.unless] == ["wage war"]


def test_near_without_within_takes_the_default_window(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL.replace('["housing"]', '[{near: ["rent", "arrears"]}]'))
    (near,) = load_codebook(path).code("housing").patterns
    assert near.within == 8  # the default of defaults.window
    assert near.source == "rent NEAR/8 arrears"


def test_tree_helpers(justice: Codebook) -> None:
    assert [c.path for c in justice.children(None)] == [
        "inequality",
        "interviewer-prompts",
        "community",
    ]
    assert [c.path for c in justice.children("inequality")] == [
        "inequality/housing",
        "inequality/work",
    ]
    assert [c.path for c in justice.leaves()] == [
        "inequality/housing/rent",
        "inequality/work",
        "interviewer-prompts/follow-up",
        "community",
    ]
    with pytest.raises(KeyError, match="no code 'nowhere'"):
        justice.code("nowhere")


def test_render_tree_counts_patterns_per_language(justice: Codebook) -> None:
    rows = {row.path: row for row in render_tree(justice)}
    assert [row.path for row in render_tree(justice)] == [c.path for c in justice.codes]
    assert rows["inequality"].pattern_counts == {"en": 3, "es": 2, "ca": 2, "any": 1}
    assert rows["inequality/housing"].pattern_counts == {"en": 4, "es": 3, "ca": 5, "any": 0}
    assert (rows["inequality/housing/rent"].depth, rows["inequality/housing/rent"].label) == (
        2,
        "Rent",
    )


def test_the_valid_fixture_has_no_problems() -> None:
    assert check_codebook(JUSTICE) == []


def test_label_defaults_to_the_id_and_version_may_be_an_integer(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL.replace('version: "2"', "version: 2"))
    codebook = load_codebook(path)
    assert codebook.version == "2"
    assert codebook.code("housing").label == "housing"


# --------------------------------------------------------------------------------------------
# Problems, each with its line and key


EXPECTED_IN_BROKEN = [
    # (marker on the line, key, severity, words of the message)
    ("version-float", "version", "error", 'write the version in quotes, version: "1.0"'),
    ("defaults-scope", "defaults.scope", "error", "scope 'everyone' is not one of"),
    ("unknown-key", "colr", "error", "unknown key 'colr' (did you mean 'colour'?)"),
    ("PROBLEM: patterns", "patterns.en[0]", "error", "bad regular expression: missing )"),
    ("PROBLEM: patterns", "patterns.en[1]", "error", "can take exponential time"),
    ("PROBLEM: patterns", "patterns.en[2]", "error", "wildcard 'ho*' has 2 letters"),
    ("PROBLEM: patterns", "patterns.en[3]", "warning", "wildcard 'hou*' has only 3 letters"),
    ("PROBLEM: patterns", "patterns.en[4]", "error", "fuzzy words need at least 5 letters"),
    ("PROBLEM: language", "patterns.fr", "error", "language 'fr', which the codebook does not"),
    ("stem-any", "patterns.any[0]", "error", "a stem: cannot be in an any list"),
    ("PROBLEM: colour", "colour", "error", "colour 'red' is not a hex colour"),
    ("PROBLEM: scope", "scope", "error", "code beta: scope 'sometimes' is not one of"),
    ("PROBLEM: regexes", "patterns.en[0]", "error", "can take exponential time"),
    ("PROBLEM: regexes", "patterns.en[1]", "error", "can match empty text"),
    ("PROBLEM: duplicate", "id", "error", "duplicate code path: 'beta' is already defined"),
    ("PROBLEM: empty", "patterns", "error", "code empty: the code has no patterns and no"),
    ("PROBLEM: bad-id", "id", "error", "id 'Bad Id' must be one path segment"),
    ("pattern-syntax", "patterns.es[0]", "error", "a wildcard * can only end a word"),
    ("pattern-syntax", "patterns.es[1]", "warning", "'stemm:' is not a pattern prefix"),
]


@pytest.fixture(scope="module")
def broken_problems() -> list[Problem]:
    return check_codebook(BROKEN)


@pytest.mark.parametrize(("marker", "key", "severity", "words"), EXPECTED_IN_BROKEN)
def test_check_reports_each_problem_with_line_and_key(
    broken_problems: list[Problem], marker: str, key: str, severity: str, words: str
) -> None:
    line = line_of(BROKEN, marker)
    matching = [
        p
        for p in broken_problems
        if p.line == line and p.key == key and p.severity == severity and words in p.message
    ]
    assert matching, f"no {severity} at line {line}, key {key}: {words!r} in {broken_problems}"
    assert all(p.path == BROKEN for p in broken_problems)


def test_check_reports_nothing_else(broken_problems: list[Problem]) -> None:
    assert len(broken_problems) == len(EXPECTED_IN_BROKEN)
    assert [p.line for p in broken_problems] == sorted(p.line or 0 for p in broken_problems)


def test_load_raises_the_first_error_with_file_line_key_and_a_hint(tmp_path: Path) -> None:
    with pytest.raises(CodebookError) as caught:
        load_codebook(BROKEN)
    error = caught.value
    assert error.path == BROKEN
    assert error.line == line_of(BROKEN, "version-float")
    assert error.key == "version"
    errors = sum(1 for *_, severity, _ in EXPECTED_IN_BROKEN if severity == "error")
    assert error.hint == f"{errors - 1} more errors: run qualcode codebook check {BROKEN}"
    assert str(error).startswith(f"{BROKEN}:3, key 'version': write the version in quotes")


def test_warnings_do_not_stop_loading(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL.replace('["housing"]', '["hou*"]'))
    (problem,) = check_codebook(path)
    assert (problem.severity, problem.line, problem.key) == ("warning", 7, "patterns.en[0]")
    assert load_codebook(path).code("housing").patterns[0].terms == ("hou*",)


def test_yaml_syntax_error_has_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL + "  - id: [unclosed\n")
    (problem,) = check_codebook(path)
    assert problem.line == 9
    assert problem.message.startswith("not valid YAML")


def test_duplicate_key_in_a_mapping(tmp_path: Path) -> None:
    path = write(
        tmp_path, MINIMAL.replace("    patterns:", "    label: A\n    label: B\n    patterns:")
    )
    (problem,) = check_codebook(path)
    assert (problem.line, problem.key) == (7, "codes[0].label")
    assert "appears twice" in problem.message


def test_unquoted_colour_is_a_comment_and_is_reported(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL.replace("    patterns:", "    colour: #c0392b\n    patterns:"))
    (problem,) = check_codebook(path)
    assert (problem.line, problem.key) == (6, "colour")
    assert "quote it" in problem.message


def test_unknown_top_level_key_and_missing_keys(tmp_path: Path) -> None:
    path = write(tmp_path, "name: x\nlanguage: [en]\ncodes: []\n")
    problems = {(p.line, p.key, p.message) for p in check_codebook(path)}
    assert (
        2,
        "language",
        "unknown key 'language' (did you mean 'languages'?); allowed here: "
        "name, version, description, languages, defaults, codes",
    ) in problems
    assert (1, "version", "missing key 'version'") in problems
    assert (1, "languages", "missing key 'languages'") in problems


def test_problems_in_nested_children_have_their_own_line(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        MINIMAL
        + "    children:\n"
        + "      - id: social\n"
        + "        patterns:\n"
        + '          en: ["re:[oops"]\n',
    )
    (problem,) = check_codebook(path)
    assert (problem.line, problem.key) == (11, "patterns.en[0]")
    assert problem.message.startswith("code housing/social: pattern 're:[oops'")


def test_a_code_whose_patterns_all_fail_is_not_also_called_empty(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL.replace('["housing"]', '["fuzzy:cas"]'))
    assert [p.key for p in check_codebook(path)] == ["patterns.en[0]"]


def test_id_reused_under_another_parent_is_a_warning(tmp_path: Path) -> None:
    text = MINIMAL + (
        "  - id: work\n"
        "    children:\n"
        "      - id: housing\n"
        "        patterns:\n"
        '          en: ["tied cottage"]\n'
    )
    (problem,) = check_codebook(write(tmp_path, text))
    assert (problem.severity, problem.line, problem.key) == ("warning", 10, "id")
    assert "also used by housing" in problem.message


def test_regex_syntax_in_a_plain_pattern_is_a_warning(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL.replace('["housing"]', '["rent|rental"]'))
    (problem,) = check_codebook(path)
    assert problem.severity == "warning"
    assert "write re:" in problem.message


def test_missing_file_is_a_codebook_error(tmp_path: Path) -> None:
    with pytest.raises(CodebookError, match="no such codebook file"):
        check_codebook(tmp_path / "nope.yaml")


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(MINIMAL.replace("housing", "vivienda\xf1").encode("latin-1"))
    (problem,) = check_codebook(path)
    assert "not UTF-8" in problem.message
    assert problem.line == 5


# --------------------------------------------------------------------------------------------
# Patterns


@pytest.mark.parametrize(
    ("written", "language", "kind", "terms"),
    [
        ("housing", "en", PatternKind.WORD, ("housing",)),
        ("Desnonàment", "ca", PatternKind.WORD, ("desnonament",)),
        ("inequalit*", "en", PatternKind.PREFIX, ("inequalit*",)),
        ("community wealth build*", "en", PatternKind.PHRASE, ("community", "wealth", "build*")),
        ("l’habitatge", "ca", PatternKind.PHRASE, ("l", "habitatge")),
        ("super-illa", "ca", PatternKind.PHRASE, ("super", "illa")),
        ("stem:desahucio", "es", PatternKind.STEM, ("desahucio",)),
        ("fuzzy:remunicipalisation", "en", PatternKind.FUZZY, ("remunicipalisation",)),
    ],
)
def test_parse_pattern(written: str, language: str, kind: PatternKind, terms: tuple) -> None:
    pattern = parse_pattern(written, language)
    assert (pattern.kind, pattern.terms, pattern.source) == (kind, terms, written)


def test_parse_regex_keeps_the_expression_as_written() -> None:
    pattern = parse_pattern(r"re:Super ?illes?\b", "ca")
    assert (pattern.kind, pattern.expression) == (PatternKind.REGEX, r"Super ?illes?\b")


@pytest.mark.parametrize(
    ("written", "language", "message"),
    [
        ("*ing", "en", "a wildcard * can only end a word"),
        ("de*", "es", "needs at least 3"),
        ("stem:two words", "en", "stem: takes exactly one word"),
        ("stem:casa*", "es", "stem: takes exactly one word"),
        ("stem:casa", "any", "cannot be in an any list"),
        ("stem:casa", "xx", "no stemmer for language 'xx'"),
        ("fuzzy:pis", "ca", "at least 5 letters"),
        ("!!!", "en", "no words in it"),
        ("re:", "en", "the regular expression is empty"),
    ],
)
def test_parse_pattern_rejects(written: str, language: str, message: str) -> None:
    with pytest.raises(CodebookError, match=message.replace("*", r"\*")):
        parse_pattern(written, language)


# --------------------------------------------------------------------------------------------
# Catastrophic backtracking


@pytest.mark.parametrize(
    "expression",
    [r"(a+)+", r"(a*)*", r"(a|a)*", r"(\w+\s?)+", r"(a|aa)*b", r"(x\w+)+y", r"(\d+,?)+$",
     r"((ab)*)+", r"(?:\w+\d+)+!", r"(.*a){2,}"],
)  # fmt: skip
def test_regex_risk_flags_nested_quantifiers_over_the_same_characters(expression: str) -> None:
    assert regex_risk(expression) is not None


@pytest.mark.parametrize(
    "expression",
    [r"\w+", r"(\w+\s)+", r"super ?illes?", r"(ab|ac)*", r"(foo|foobar)*", r"\d+ ?(euros?|€)",
     r"(?:\s+\w+)+", r"(a+)++", r"(?>a+)+", r"(\d{3}-)+\d{4}", r"[a-z]+(-[a-z]+)*"],
)  # fmt: skip
def test_regex_risk_leaves_linear_expressions_alone(expression: str) -> None:
    assert regex_risk(expression) is None


@pytest.mark.parametrize(
    ("expression", "chained"),
    [(r"a.*c", 1), (r"a.*a.*c", 2), (r"a.*a.*a.*c", 3), (r"a.*.*.*\d{6}", 3),
     (r".*?.*?.*?q", 3), (r"(a.*)(b.*)(c.*)d", 3), (r"x(?:a.*|b)y.*z.*w", 2),
     (r"\w+ly\s+\w+", 1), (r"a[^a]*a[^a]*a[^c]*c", 1), (r"\d+ ?euros", 1),
     (r"super ?illes?", 0), (r"rent.{0,20}high", 0)],
)  # fmt: skip
def test_chained_repeats_are_counted(expression: str, chained: int) -> None:
    assert regex_chained_repeats(expression) == chained


def test_three_chained_repeats_are_an_error_and_two_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "slow.yaml"
    path.write_text(
        'name: t\nversion: "1"\nlanguages: [en]\ncodes:\n  - id: c\n    patterns:\n'
        "      en: ['re:a.*a.*a.*c', 're:a.*.*.*\\d{6}', 're:a.*a.*c', 're:a[^a]*a[^a]*a[^c]*c']\n"
    )
    slow = "this regular expression can take time growing with the "
    found = [(p.key, p.severity, p.message.split(slow, 1)[1][:6]) for p in check_codebook(path)]
    assert found == [
        ("patterns.en[0]", "error", "fourth"),
        ("patterns.en[1]", "error", "fourth"),
        ("patterns.en[2]", "warning", "cube o"),
    ]
    message = check_codebook(path)[0].message
    assert "keep one: merge repeats that follow each other (.*.* is .*)" in message
    assert "(a[^a]*a[^c]*c instead of a.*a.*c)" in message


def test_regex_start_characters() -> None:
    assert regex_start_characters(r"\d+ ?euros") == frozenset("0123456789")
    assert regex_start_characters(r"(19|20)\d\d") == frozenset("12")
    assert regex_start_characters(r"\bsuper") == frozenset("sS")
    assert regex_start_characters(r"x?") is None  # can match nothing


# --------------------------------------------------------------------------------------------
# Finding a codebook


def test_find_codebook_by_path_project_and_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tmp_path / "project"
    (project / "codebooks").mkdir(parents=True)
    packaged = tmp_path / "packaged"
    packaged.mkdir()
    monkeypatch.setattr("qualcode.codebook.packaged_codebooks_dir", lambda: packaged)
    write(packaged, MINIMAL, "justice.yaml")
    write(packaged, MINIMAL, "shared.yaml")
    write(project / "codebooks", MINIMAL, "justice.yaml")
    given = write(tmp_path, MINIMAL, "mine.yaml")

    assert find_codebook(given, project) == (given, "path")
    # the project's own codebook wins over the packaged one of the same name
    assert find_codebook("justice", project) == (project / "codebooks" / "justice.yaml", "project")
    assert find_codebook("shared", project) == (packaged / "shared.yaml", "packaged")


def test_a_codebook_path_that_does_not_exist_never_falls_back_to_a_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tmp_path / "project"
    (project / "codebooks").mkdir(parents=True)
    packaged = tmp_path / "packaged"
    packaged.mkdir()
    monkeypatch.setattr("qualcode.codebook.packaged_codebooks_dir", lambda: packaged)
    monkeypatch.chdir(tmp_path)
    write(packaged, MINIMAL, "justice.yaml")
    write(project / "codebooks", MINIMAL, "study.yaml")
    mine = tmp_path / "mine"
    mine.mkdir()
    write(mine, MINIMAL, "justice.yaml")

    # a typo in the folder or the file name: the codebook of that name elsewhere is not used
    with pytest.raises(CodebookError) as caught:
        find_codebook("mine/justice2.yaml", project)
    assert str(caught.value) == (
        "no codebook file 'mine/justice2.yaml' (did you mean 'mine/justice.yaml'?)"
    )
    with pytest.raises(CodebookError, match="there is no folder 'mnie'"):
        find_codebook("mnie/justice.yaml", project)
    # a file name with a suffix is a path too, and the hint names the codebook of that name
    with pytest.raises(CodebookError) as caught:
        find_codebook("study.yaml", project)
    assert str(caught.value) == (
        "no codebook file 'study.yaml' (a codebook 'study' is in the project: pass "
        "--codebook study)"
    )
    assert find_codebook("mine/justice.yaml", project) == (Path("mine/justice.yaml"), "path")


def test_find_codebook_lists_where_it_looked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("qualcode.codebook.packaged_codebooks_dir", lambda: tmp_path / "pkg")
    with pytest.raises(CodebookError) as caught:
        find_codebook("ghost", tmp_path)
    message = str(caught.value)
    assert message.startswith("no codebook 'ghost' (looked for ghost, ")
    assert str(tmp_path / "codebooks" / "ghost.yaml") in message
    assert str(tmp_path / "pkg" / "ghost.yml") in message
