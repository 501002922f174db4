"""Word and phrase frequencies: stop words per language, groups, and the words no pattern covers."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from qualcode.cli import app
from qualcode.codebook import load_codebook
from qualcode.ingest import ingest
from qualcode.store import Store
from qualcode.words import stop_words, word_frequencies

MINI = Path(__file__).parent / "fixtures" / "coding" / "mini.yaml"

FILES = {
    "birmingham/a.txt": (
        "Interviewer: What about housing and the housing crisis?\n\n"
        "Ana Smith: The housing crisis is about rents. Rents and more rents, and the council.\n\n"
        "Ana Smith: The council builds; the council listens.\n"
    ),
    "barcelona/b.txt": (
        "ENTREVISTADORA: I l’habitatge?\n\n"
        "JORDI PUIG: Que els lloguers del barri són massa alts, i que els veïns del barri "
        "marxen.\n\n"
        "MODERADORA: Gràcies. Barri, barri, barri.\n"
    ),
}


def project(tmp_path: Path) -> Path:
    for name, text in FILES.items():
        path = tmp_path / "transcripts" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    store_path = tmp_path / "p.qualcode"
    with Store.open(store_path, create=True) as store:
        ingest(store, [tmp_path / "transcripts"], assignments={})
    return store_path


def test_stop_words_come_from_the_package_folded_per_language() -> None:
    assert {"que", "del", "mes", "els"} <= stop_words("ca")  # més, folded
    assert {"the", "and", "about"} <= stop_words("en")
    assert "barri" not in stop_words("ca") and "housing" not in stop_words("en")
    assert stop_words("xx") == frozenset()


def test_counts_per_group_in_scope_turns_without_stop_words(tmp_path: Path) -> None:
    with Store.open(project(tmp_path)) as store:
        table = word_frequencies(store, top=3)
        counted = {(t.group, t.term): (t.count, t.segments, t.documents) for t in table.terms}
        # the interviewer's "housing" is not counted: respondent turns only, by default
        assert counted[("birmingham", "council")] == (3, 2, 1)
        assert counted[("birmingham", "rents")] == (3, 1, 1)
        assert counted[("barcelona", "barri")] == (2, 1, 1)  # not the moderator's: a chair
        assert ("barcelona", "que") not in counted and ("birmingham", "the") not in counted
        assert table.segments_counted == 3
        phrases = word_frequencies(store, phrases=True, min_count=1, top=50)
        assert ("birmingham", "housing crisis") in {(t.group, t.term) for t in phrases.terms}
        asked = word_frequencies(store, roles=("interviewer",), min_count=2)
        assert [(t.group, t.term, t.count) for t in asked.terms] == [("birmingham", "housing", 2)]
        chaired = word_frequencies(store, roles=("chair",), min_count=2)
        assert [(t.group, t.term, t.count) for t in chaired.terms] == [("barcelona", "barri", 3)]


def test_uncovered_leaves_out_the_words_a_pattern_matches(tmp_path: Path) -> None:
    with Store.open(project(tmp_path)) as store:
        table = word_frequencies(store, min_count=1, top=50, uncovered=load_codebook(MINI))
    terms = {t.term for t in table.terms}
    assert "rents" not in terms and "lloguers" not in terms  # rent*, lloguer*
    assert {"council", "barri", "crisis"} <= terms


def test_words_command_prints_and_writes_the_table(tmp_path: Path) -> None:
    path = project(tmp_path)
    out = tmp_path / "words.csv"
    result = CliRunner().invoke(
        app, ["words", "--top", "1", "--out", str(out), "--project", str(path)]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[2:4] == [
        "barcelona   barri        2         1          1",
        "birmingham  council      3         2          1",
    ]
    assert "2 words seen at least 2 times, from 3 segments.\n" in result.stdout
    assert out.read_text(encoding="utf-8").splitlines() == [
        "city,term,count,segments,documents",
        "barcelona,barri,2,1,1",
        "birmingham,council,3,2,1",
    ]


def test_a_mistyped_role_is_an_error_with_the_closest(tmp_path: Path) -> None:
    path = project(tmp_path)
    for command in ("words", "search"):
        args = [command, "--role", "chiar", "--project", str(path)]
        result = CliRunner().invoke(app, args + (["barri"] if command == "search" else []))
        assert result.exit_code == 2
        assert result.stderr == (
            "Error: --role must be one of respondent, interviewer, chair, unknown, "
            "not 'chiar' (did you mean 'chair'?)\n"
        )
