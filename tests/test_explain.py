"""Why a segment was or was not coded: kept hits are exactly the matcher's, dropped ones say why."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from qualcode.cli import app
from qualcode.codebook import load_codebook
from qualcode.coding import code_project
from qualcode.explain import Explainer
from qualcode.ingest import ingest
from qualcode.matching import Matcher
from qualcode.models import Role, Segment
from qualcode.store import Store

ROOT = Path(__file__).resolve().parents[1]
JUSTICE = ROOT / "codebooks" / "justice.yaml"

CODEBOOK = """name: why
version: "1"
languages: [en, ca]
defaults: {fuzzy_threshold: 88}
codes:
  - id: housing
    label: Housing
    unless:
      en: ["housing association"]
    patterns:
      en:
        - housing
        - {near: [rent, afford*], within: 3}
        - {pattern: council, unless: [council tax], within: 1}
      ca: ["habitatg*", "fuzzy:desnonament"]
  - id: questions
    label: Questions
    scope: interviewer
    patterns:
      en: ["why"]
"""


def segment(text: str, language: str = "en", role: Role | None = Role.RESPONDENT) -> Segment:
    return Segment(ordinal=0, start_char=0, end_char=len(text), text=text, language=language,
                   role=role)  # fmt: skip


@pytest.fixture
def explainer(tmp_path: Path) -> Explainer:
    path = tmp_path / "why.yaml"
    path.write_text(CODEBOOK, encoding="utf-8")
    return Explainer(load_codebook(path))


def reasons(explainer: Explainer, seg: Segment) -> dict[str, tuple[str, ...]]:
    return {f.matched: f.reasons for e in explainer.explain(seg) for f in e.findings}


def test_each_rule_that_drops_a_hit_is_named(explainer: Explainer) -> None:
    found = reasons(explainer, segment("The rent is not what I can afford, and the council tax."))
    assert found["rent is not what I can afford"] == (
        "near: 5 words between the parts, more than within 3",
    )
    assert found["council"] == ("unless: “council tax” (council tax) is 0 words away (within 1)",)
    found = reasons(explainer, segment("A housing association builds housing."))
    assert found["housing"] == (
        "unless: “housing association” (housing association) is in the segment",
    )
    found = reasons(explainer, segment("El problema és l’habitatge.", language="en"))
    assert found["habitatge"] == ("language: the pattern is for ca; the segment is en",)
    found = reasons(explainer, segment("Why housing?", role=Role.INTERVIEWER))
    assert found["housing"][0].startswith("scope: the code applies to respondent turns")
    assert found["Why"] == ()  # the interviewer's question code applies to this turn
    found = reasons(explainer, segment("Hi va haver desnonamens al barri.", language="ca"))
    assert found["desnonamens"] == ()  # a transcription error within the threshold: kept
    found = reasons(explainer, segment("Parlem dels antidesnonaments del barri.", language="ca"))
    assert found["antidesnonaments"][0].startswith("fuzzy: “antidesnonaments” scores ")
    assert "(a near miss)" in found["antidesnonaments"][0]


def test_kept_hits_are_exactly_the_matchers_on_the_sample_transcripts(tmp_path: Path) -> None:
    codebook = load_codebook(JUSTICE)
    matcher = Matcher(codebook)
    explainer = Explainer(codebook)
    with Store.open(tmp_path / "p.qualcode", create=True) as store:
        ingest(store, [ROOT / "transcripts"])
        segments = store.all_current_segments()
    dropped = 0
    for seg in segments:
        role = "interviewer" if seg.role is Role.INTERVIEWER else None
        expected = {
            (h.code_path, h.pattern, h.start, h.end)
            for h in matcher.match(seg.text, seg.language or codebook.languages, role)
        }
        findings = [f for e in explainer.explain(seg) for f in e.findings]
        assert {(f.code_path, f.pattern, f.start, f.end) for f in findings if f.kept} == expected
        for finding in findings:
            assert seg.text[finding.start : finding.end] == finding.matched
            if not finding.kept:
                dropped += 1
                assert "not kept by the matcher" not in finding.reasons
    assert dropped > 100  # interviewer turns, other languages, near and unless all occur there


def test_explain_and_search_commands(tmp_path: Path) -> None:
    project = tmp_path / "p.qualcode"
    with Store.open(project, create=True) as store:
        ingest(store, [ROOT / "transcripts"])
        code_project(store, load_codebook(JUSTICE))
    runner = CliRunner()
    shown = runner.invoke(
        app,
        ["explain", "barcelona/c01_habitatge_pah.txt#14", "--code", "housing", "-p", str(project)],
    )
    assert shown.exit_code == 0, shown.output
    assert "\ninequality/housing: coded\n" in shown.stdout
    assert "  kept     stem:desnonar → “desnonaments” at 62-74\n" in shown.stdout
    assert (
        "  dropped  fuzzy:desnonament → “Antidesnonaments” at 176-192\n"
        "           fuzzy: “Antidesnonaments” scores 81 against “desnonament”, under the "
        "threshold 88 (a near miss)\n"
    ) in shown.stdout
    searched = runner.invoke(
        app, ["search", "desnonament*", "--role", "interviewer", "--limit", "1", "-p", str(project)]
    )
    assert searched.exit_code == 0, searched.output
    assert searched.stdout.splitlines()[0] == (
        "barcelona/c01_habitatge_pah.txt#2  ENTREVISTADORA (interviewer): …va conèixer durant uns "
        'anys com a "Ciutat [Desnonaments]". D’on ve això?…'
    )
    assert searched.stdout.endswith("3 hits in 3 of 117 segments searched.\n")
    out = tmp_path / "hits.csv"
    by_code = runner.invoke(
        app, ["search", "--code", "housing", "--out", str(out), "-p", str(project)]
    )
    assert by_code.exit_code == 0, by_code.output
    assert "(21 dropped by coding)" in by_code.stdout
    assert out.read_text(encoding="utf-8").splitlines()[0].startswith("document,segment_ordinal,")
    bad = runner.invoke(app, ["search", "a*", "-p", str(project)])
    assert bad.exit_code == 2
    assert "wildcard 'a*' has 1 letter before the *" in bad.stderr
