"""Export then import gives back the same documents, codes and codings.

Projects are generated: transcripts in several languages whose text mixes accents, apostrophes,
combining marks, letters outside the Basic Multilingual Plane and emoji sequences (where tools
that count UTF-16 units or bytes go wrong), ingested through the real pipeline, coded by people
and by an automatic run with evidence; then exported with either kind of span and imported into
a fresh project.
"""

from __future__ import annotations

import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qualcode.codebook import Code, Codebook, Defaults
from qualcode.coding import code_records
from qualcode.ingest import ingest
from qualcode.refi.codes import fold_label
from qualcode.refi.export import Span, export_project
from qualcode.refi.import_ import import_project
from qualcode.store import Store
from refi_support import auto_codings, sources_undated

SPEAKERS = ["Interviewer", "Entrevistadora", "Laia Serra", "Jordi Puig", "Sarah Malik"]
CHARACTERS = [
    *"abcdefghijklmnopqrstuvwxyz     ABCXYZ",
    *"àèéíïòóúüçñÀÉÇÑ·’'¿¡«»…—",
    "l·l",
    "d’",
    "e\u0301",
    "ß",
    "Ж",
    "中",
    "한",
    "😀",
    "🏠",
    "🍅",
    "👩\u200d👩\u200d👧",
    "🇪🇸",
    "𝔘",
]
CODERS = ["Laia Serra", "Jordi Puig", "auto:study@1"]
CITIES = ["Barcelona", "Birmingham", "Sant Adrià de Besòs", "L’Hospitalet"]

words = (
    st.lists(st.sampled_from(CHARACTERS), min_size=1, max_size=25)
    .map("".join)
    .filter(lambda text: text.strip() == text and text.strip())
)
identifiers = st.from_regex(r"[a-z][a-z0-9_]{0,6}", fullmatch=True)
colours = st.one_of(st.none(), st.from_regex(r"#[0-9a-f]{6}", fullmatch=True))
paragraphs = st.lists(words, min_size=1, max_size=3).map("\n".join)


@dataclass(frozen=True)
class GeneratedDocument:
    name: str
    text: str
    language: str
    city: str
    organisation: str


@st.composite
def documents(draw: st.DrawFn) -> list[GeneratedDocument]:
    count = draw(st.integers(1, 3))
    found = []
    for index in range(count):
        turns = draw(
            st.lists(st.tuples(st.sampled_from(SPEAKERS), paragraphs), min_size=1, max_size=5)
        )
        text = "\n\n".join(f"{speaker}: {speech}" for speaker, speech in turns) + "\n"
        found.append(
            GeneratedDocument(
                name=f"interview_{index}.txt",
                text=text,
                language=draw(st.sampled_from(["en", "es", "ca"])),
                city=draw(st.sampled_from(CITIES)),
                organisation=draw(words),
            )
        )
    return found


@st.composite
def codebooks(draw: st.DrawFn) -> Codebook:
    codes: list[Code] = []

    def add(parent: str | None, depth: int) -> None:
        ids = draw(
            st.lists(
                identifiers,
                min_size=1 if parent is None else 0,
                max_size=3 if depth < 2 else 0,
                unique=True,
            )
        )
        labels = draw(st.lists(words, min_size=len(ids), max_size=len(ids), unique_by=fold_label))
        for code_id, label in zip(ids, labels, strict=True):
            path = f"{parent}/{code_id}" if parent else code_id
            codes.append(
                Code(
                    path=path,
                    id=code_id,
                    label=label,
                    description=draw(st.one_of(st.just(""), paragraphs)),
                    include=draw(st.one_of(st.just(""), words)),
                    exclude=draw(st.one_of(st.just(""), words)),
                    colour=draw(colours),
                    parent_path=parent,
                    depth=depth,
                )
            )
            add(path, depth + 1)

    add(None, 0)
    return Codebook(
        name="study",
        version="1",
        description="",
        languages=("en", "es", "ca"),
        defaults=Defaults(),
        codes=tuple(codes),
        source_path=Path("study.yaml"),
        content_hash="0" * 64,
    )


def build(
    folder: Path,
    generated: list[GeneratedDocument],
    codebook: Codebook,
    codings: list[tuple[int, int, int, int, int, int]],
) -> Store:
    store = Store.open(folder / "original.qualcode", create=True)
    for document in generated:
        path = folder / "transcripts" / document.name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(document.text.encode("utf-8"))
        attributes = {
            "language": (document.language, "command line"),
            "city": (document.city, "command line"),
            "organisation": (document.organisation, "command line"),
        }
        ingest(store, [path], assignments=attributes)
    store.save_codes(code_records(codebook), codebook.name)
    segments = [s for d in store.documents() for s in store.segments(d.document_id)]
    paths = [code.path for code in codebook.codes]
    human: dict[str, list[tuple[int, str]]] = {}
    automatic: list[tuple[int, str, int, int]] = []
    for segment_pick, code_pick, coder_pick, offset, length, _ in codings:
        segment = segments[segment_pick % len(segments)]
        assert segment.segment_id is not None
        code_path = paths[code_pick % len(paths)]
        coder = CODERS[coder_pick % len(CODERS)]
        if coder.startswith("auto:"):
            size = segment.end_char - segment.start_char
            start = segment.start_char + offset % size
            end = min(segment.end_char, start + 1 + length % 6)
            automatic.append((segment.segment_id, code_path, start, end))
        else:
            human.setdefault(coder, []).append((segment.segment_id, code_path))
    for coder, pairs in human.items():
        store.add_person_codings(pairs, coder)
    if automatic:
        auto_codings(store, "auto:study@1", automatic)
    # Each coding made at its own time, years before any import: an import must keep them.
    store._db.execute(
        "UPDATE codings SET created_at = strftime('%Y-%m-%dT%H:%M:%S+00:00', '2019-05-01',"
        " '+' || segment_id || ' hours', '+' || length(code_path) || ' minutes',"
        " '+' || length(coder) || ' seconds')"
    )
    store._db.commit()
    return store


def contents(store: Store, label_paths: bool = False):
    """Documents, segments, codes and codings, comparable between two projects."""
    codes = store.codes()
    labels = {c.path: c.label for c in codes}

    def name(path: str) -> str | tuple[str, ...]:
        if not label_paths:
            return path
        parts = path.split("/")
        return tuple(labels["/".join(parts[: i + 1])] for i in range(len(parts)))

    documents = [
        (
            d.name,
            store.document_text(d.document_id),
            d.attributes,
            [
                (s.start_char, s.end_char, s.speaker, s.role, s.language)
                for s in store.segments(d.document_id)
            ],
        )
        for d in store.documents()
    ]
    code_rows = sorted(
        (name(c.path), c.label, c.description, c.include, c.exclude, c.colour) for c in codes
    )
    codings = {
        (c.document_name, c.segment.start_char, c.segment.end_char, name(c.code_path), c.coder)
        for c in store.coded_segments()
    }
    return documents, code_rows, codings


codings_strategy = st.lists(st.tuples(*[st.integers(0, 10_000)] * 6), min_size=1, max_size=12)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    generated=documents(),
    codebook=codebooks(),
    codings=codings_strategy,
    span=st.sampled_from(list(Span)),
)
def test_export_then_import_gives_back_the_project(generated, codebook, codings, span) -> None:
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        original = build(folder, generated, codebook, codings)
        export_project(original, folder / "out.qdpx", span=span, name="study")
        expected = contents(original)

        with Store.open(folder / "known.qualcode", create=True) as known:
            import_project(known, folder / "out.qdpx", codebook=codebook)
            assert contents(known) == expected
            # Its export is the original's, GUIDs and the times of codings included (those of the
            # project and its sources are the import's own): with evidence spans too, the
            # automatic coder's selections having come back as evidence.
            assert sorted(known.coding_dates().values()) == sorted(original.coding_dates().values())
            again = export_project(known, folder / "again.qdpx", span=span, name="study")
            with (
                zipfile.ZipFile(folder / "out.qdpx") as one,
                zipfile.ZipFile(folder / "again.qdpx") as two,
            ):
                assert sources_undated(one.read("project.qde")) == sources_undated(
                    two.read("project.qde")
                )
                assert sorted(one.namelist()) == sorted(two.namelist())
            assert again.without_evidence == 0 or span is Span.SEGMENT
            # Importing again changes nothing.
            summary = import_project(known, folder / "out.qdpx", codebook=codebook)
            assert {d.status for d in summary.documents} == {"unchanged"}
            assert all(added == 0 for added, _ in summary.codings.values())

        with Store.open(folder / "fresh.qualcode", create=True) as fresh:
            import_project(fresh, folder / "out.qdpx")
            assert contents(fresh, label_paths=True) == contents(original, label_paths=True)
        original.close()
