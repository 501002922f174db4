"""Which paragraph openings are speakers, decided from the whole document (ingest.labels)."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qualcode.errors import UsageError
from qualcode.ingest.labels import SpeakerMode, SpeakerPolicy, _LowerWords
from qualcode.ingest.roles import RoleResolver
from qualcode.ingest.segment import segment_document
from qualcode.models import Exclusion, Role, Unit
from qualcode.readers import read_file
from qualcode.speakers import DEFAULT_INTERVIEWER_LABELS
from test_segment import assert_span_invariants

ROLES = RoleResolver(DEFAULT_INTERVIEWER_LABELS)


def cut(path: Path, policy: SpeakerPolicy | None = None, aliases=None, unit=Unit.TURN):
    document = read_file(path)
    segmentation = segment_document(
        document, unit, ROLES, policy or SpeakerPolicy(), aliases=aliases
    )
    assert_span_invariants(document, segmentation)
    return document, segmentation


def speakers(path: Path, policy: SpeakerPolicy | None = None) -> list[str | None]:
    return [s.speaker for s in cut(path, policy)[1].segments]


PROGRAMME = (
    "Programa per a les eleccions municipals de 2027.\n\n"
    "La ciutat necessita un nou model d’habitatge i una fiscalitat justa per a tothom.\n\n"
    "Equitat: garantir l’accés a l’habitatge i a l’equitat territorial en tots els barris.\n\n"
    "Volem una ciutat on l’equitat no sigui només una paraula.\n\n"
    "Exemples: cooperatives, masoveria urbana i lloguer social.\n\n"
    "IVA: eliminar l’exempció per als pisos turístics.\n\n"
    "Barnett Formula: the funding of the devolved budget follows a formula set in 1978.\n\n"
    "Proposem: un parc públic de lloguer.\n\n"
    "Cal que els exemples es multipliquin i que el finançament arribi als barris.\n\n"
    "La resta del programa desenvolupa aquestes mesures.\n"
)


def test_colon_led_paragraphs_of_a_programme_are_text(corpus: Path, write_text) -> None:
    path = write_text(corpus / "programa.txt", PROGRAMME)
    document, segmentation = cut(path)
    assert {s.speaker for s in segmentation.segments} == {None}
    # every paragraph is a segment of its own: nothing dropped, nothing merged
    assert [s.text for s in segmentation.segments] == [p.text for p in document.paragraphs]
    assert segmentation.excluded == []


SHORT_PROGRAMME = (
    "Programa municipal 2027\n\n"
    "Aquest programa recull les nostres propostes per a la ciutat.\n\n"
    "Equitat: garantir l’accés a l’habitatge per a totes les famílies.\n\n"
    "IVA: eliminar l’exempció als grans propietaris.\n\n"
    "La ciutat necessita un pla de barris ambiciós i sostingut.\n"
)


def test_labels_that_run_on_in_lower_case_head_items_not_turns(corpus: Path, write_text) -> None:
    """In a short document two labels each seen once open a third of the paragraphs, as a
    short exchange would; what follows them, a list item's lower-case run-on, tells them apart."""
    path = write_text(corpus / "programa.txt", SHORT_PROGRAMME)
    document, segmentation = cut(path)
    assert {s.speaker for s in segmentation.segments} == {None}
    assert [s.text for s in segmentation.segments] == [p.text for p in document.paragraphs]
    exchange = write_text(
        corpus / "exchange.txt",
        "Ana Puig: Good morning.\n\nJoan Vila: yes, good morning.\n\nJoan Vila: Rents first.\n",
    )
    assert speakers(exchange) == ["Ana Puig", "Joan Vila", "Joan Vila"]
    # A transcript written all in lower case (as some automatic ones are) keeps its speakers.
    lower = write_text(
        corpus / "lower.txt",
        "Ana Puig: rents are high.\n\nJoan Vila: they are.\n\nAna Puig: and rising.\n",
    )
    assert speakers(lower) == ["Ana Puig", "Joan Vila", "Ana Puig"]


INTERVIEW = (
    "Interviewer: What is the biggest issue in Aston?\n\n"
    "Sarah Malik: There are a few.\n\n"
    "Housing: that's the big one. The housing list is ten years long.\n\n"
    "Interviewer: And the council?\n\n"
    "Sarah Malik: They listen, sometimes.\n"
)


def test_a_word_and_colon_inside_an_answer_is_the_answer(corpus: Path, write_text) -> None:
    _, segmentation = cut(write_text(corpus / "aston.txt", INTERVIEW))
    assert [(s.speaker, s.role) for s in segmentation.segments] == [
        ("Interviewer", Role.INTERVIEWER),
        ("Sarah Malik", Role.RESPONDENT),
        ("Interviewer", Role.INTERVIEWER),
        ("Sarah Malik", Role.RESPONDENT),
    ]
    assert segmentation.segments[1].text.endswith("ten years long.")
    assert "Housing: that's the big one." in segmentation.segments[1].text


def test_recurring_names_that_alternate_are_speakers(corpus: Path, write_text) -> None:
    content = "".join(
        f"Rosa Jiménez: {line}\n\nJordi Vidal: {reply}\n\n"
        for line, reply in [("Bon dia.", "Bon dia."), ("Comencem?", "Sí."), ("I ara?", "Ara no.")]
    )
    content = "Una conversa al barri.\n\n" + content + "Una nota final del que hem vist.\n" * 4
    assert speakers(write_text(corpus / "c.txt", content)) == [
        None,
        *["Rosa Jiménez", "Jordi Vidal"] * 3,
    ]


def test_a_chair_gives_the_floor_to_names_seen_once(corpus: Path, write_text) -> None:
    content = (
        "Chair: Welcome. Ms Okafor, please.\n\n"
        "Ms Okafor: Thank you.\n\nWe have three points.\n\nFirst, the budget.\n\n"
        "Second, the buses.\n\nThird, rents.\n\n"
        "Chair: Mr Reyes.\n\n"
        "Mr Reyes: Briefly, I agree.\n\nAnd I would add schools.\n\nSchools matter.\n"
    )
    assert speakers(write_text(corpus / "h.txt", content)) == [
        "Chair",
        "Ms Okafor",
        "Chair",
        "Mr Reyes",
    ]


def test_labels_in_a_document_marked_by_speaker_styles_are_text(corpus: Path, write_docx) -> None:
    path = write_docx(
        corpus / "ple.docx",
        [
            ("Intervinent", "La presidenta"),
            "Bona tarda.",
            ("Intervinent", "Salvador Illa i Roca"),
            "Gràcies.",
            "Primer: el pressupost. Diu: que no hi ha diners.",
            "Objetivo: un país mejor.",
            ("Intervinent", "La presidenta"),
            "Gràcies.",
        ],
    )
    _, segmentation = cut(path)
    assert [(s.speaker, s.text) for s in segmentation.segments] == [
        ("La presidenta", "Bona tarda."),
        (
            "Salvador Illa i Roca",
            "Gràcies.\nPrimer: el pressupost. Diu: que no hi ha diners.\nObjetivo: un país mejor.",
        ),
        ("La presidenta", "Gràcies."),
    ]


@pytest.mark.parametrize(
    ("opening", "speaker"),
    [
        ("**Delroy Francis**:", "Delroy Francis"),
        ("**Delroy Francis:**", "Delroy Francis"),
        ("Delroy Francis (Birmingham Ladywood) (Lab):", "Delroy Francis"),
        ("**Delroy Francis** (Lab):", "Delroy Francis"),
    ],
)
def test_label_shapes(corpus: Path, write_text, opening: str, speaker: str) -> None:
    content = f"Interviewer: Why a land trust?\n\n{opening} Land for good.\n"
    _, segmentation = cut(write_text(corpus / "t.md", content))
    assert [(s.speaker, s.text) for s in segmentation.segments] == [
        ("Interviewer", "Why a land trust?"),
        (speaker, "Land for good."),
    ]


HANSARD = (
    "Oral evidence: Local housing\n\n"
    "The Chair\n\nGood morning. Could you introduce yourselves?\n\n"
    "Ms Patel\n\nI lead the housing team.\n\nWe build homes.\n\n"
    "The Chair\n\nThank you. Mr Hughes?\n\n"
    "Mr Hughes\n\nI chair the tenants.\n\n"
    "Ms Patel\n\nMay I add one point?\n\n"
    "Mr Hughes\n\nOf course.\n"
)


def test_names_alone_on_their_line_hansard_style(corpus: Path, write_text) -> None:
    document, segmentation = cut(write_text(corpus / "evidence.txt", HANSARD))
    title = segmentation.excluded[0]
    assert (document.text[title.start_char : title.end_char], title.reason) == (
        "Oral evidence: Local housing",
        Exclusion.FRONT_MATTER,
    )
    assert [(s.speaker, s.text) for s in segmentation.segments] == [
        ("The Chair", "Good morning. Could you introduce yourselves?"),
        ("Ms Patel", "I lead the housing team.\n\nWe build homes."),
        ("The Chair", "Thank you. Mr Hughes?"),
        ("Mr Hughes", "I chair the tenants."),
        ("Ms Patel", "May I add one point?"),
        ("Mr Hughes", "Of course."),
    ]


def test_short_capitalised_lines_of_a_paper_are_not_speakers(corpus: Path, write_text) -> None:
    content = (
        "Housing Policy\n\nThe policy of the council is set out below.\n\n"
        "Introduction\n\nThis paper sets out the options.\n\n"
        "Key Findings\n\nRents rose and findings were clear.\n"
    )
    assert speakers(write_text(corpus / "paper.txt", content)) == [None] * 6


def test_metadata_lines_are_front_matter_and_prose_is_kept(corpus: Path, write_text) -> None:
    content = (
        "Date: 12 May 2025\nLocation: Aston library\n\nTranscriber: JM\n\n"
        "This interview was recorded after the tenants' meeting.\n\n"
        "Interviewer: How did it go?\n\nSarah Malik: Well.\n"
    )
    document, segmentation = cut(write_text(corpus / "i.txt", content))
    assert [(s.speaker, s.text) for s in segmentation.segments] == [
        (None, "This interview was recorded after the tenants' meeting."),
        ("Interviewer", "How did it go?"),
        ("Sarah Malik", "Well."),
    ]
    front = [r for r in segmentation.excluded if r.reason is Exclusion.FRONT_MATTER]
    assert [document.text[r.start_char : r.end_char] for r in front] == [
        "Date: 12 May 2025",
        "Location: Aston library",
        "Transcriber: JM",
    ]


def test_speakers_none_reads_no_labels(corpus: Path, write_text, write_docx) -> None:
    path = write_text(corpus / "aston.txt", INTERVIEW)
    document, segmentation = cut(path, SpeakerPolicy.parse("none"))
    assert {s.speaker for s in segmentation.segments} == {None}
    assert [s.text for s in segmentation.segments] == [p.text for p in document.paragraphs]
    styled = write_docx(corpus / "s.docx", [("Intervinent", "La presidenta"), "Bona tarda."])
    assert speakers(styled, SpeakerPolicy.parse("none")) == [None, None]


def test_speakers_list_accepts_only_those_labels(corpus: Path, write_text) -> None:
    path = write_text(corpus / "aston.txt", INTERVIEW)
    policy = SpeakerPolicy.parse("interviewer, Sarah Malik, Housing")
    assert policy.mode is SpeakerMode.LIST
    assert speakers(path, policy) == [
        "Interviewer",
        "Sarah Malik",
        "Housing",
        "Interviewer",
        "Sarah Malik",
    ]
    assert speakers(path, SpeakerPolicy.parse("Interviewer")) == ["Interviewer", "Interviewer"]


def test_speakers_policy_errors() -> None:
    assert SpeakerPolicy.parse("AUTO") == SpeakerPolicy()
    with pytest.raises(UsageError) as raised:
        SpeakerPolicy.parse(" , ;")
    assert str(raised.value) == (
        "speakers must be auto, none or a list of labels such as 'Q,A', not ' , ;'"
    )


def test_q_and_a_take_the_names_given(corpus: Path, write_text) -> None:
    path = write_text(corpus / "qa.txt", "Q: Why?\n\nA: Because.\n\nQ: And?\n")
    roles = RoleResolver([*DEFAULT_INTERVIEWER_LABELS, "Marta Soler"])
    document = read_file(path)
    segmentation = segment_document(
        document, Unit.TURN, roles, aliases={"q": "Marta Soler", "a": "Joan Puig"}
    )
    assert [(s.speaker, s.role) for s in segmentation.segments] == [
        ("Marta Soler", Role.INTERVIEWER),
        ("Joan Puig", Role.RESPONDENT),
        ("Marta Soler", Role.INTERVIEWER),
    ]


# -- property: documents without speakers keep every paragraph and gain no speaker -------------

# Openings of real programmes and papers: a heading word, a list word, a noun phrase.
HEADINGS = ["Equitat", "Barnett Formula", "IVA", "Housing", "Incomes", "Ley Mordaza", "Objetivo"]
REPEATED_HEADINGS = ["Exemples", "Proposem", "Primer", "Diu", "Notes", "And"]
_PROSE_TEXT = (
    "the council will build homes for rent and the housing list is long but the city can act "
    "garantir l’accés a l’habitatge és una prioritat per a tothom als barris "
    "la vivienda pública crece y el barrio decide con la cooperativa incomes"
)
PROSE = _PROSE_TEXT.split()


@st.composite
def unlabelled_documents(draw: st.DrawFn):
    def sentence() -> str:
        words = draw(st.lists(st.sampled_from(PROSE), min_size=3, max_size=14))
        return " ".join(words).capitalize() + draw(st.sampled_from([".", ".", "?", "…"]))

    prose = draw(st.integers(6, 14))
    paragraphs = [
        " ".join(sentence() for _ in range(draw(st.integers(1, 3)))) for _ in range(prose)
    ]
    headings = draw(st.lists(st.sampled_from(HEADINGS), unique=True, max_size=prose // 4))
    headings += draw(st.lists(st.sampled_from(REPEATED_HEADINGS), max_size=prose // 4))
    for heading in headings:
        at = draw(st.integers(0, len(paragraphs)))
        paragraphs.insert(at, f"{heading}: {sentence()}")
    form = draw(st.sampled_from(["txt", "md", "rst", "docx"]))
    header = draw(
        st.sampled_from([[], ["Date: 12 May 2025"], ["Date: 12 May 2025", "Lloc: Sants"]])
    )
    title = draw(st.sampled_from([None, "Programa electoral 2027"]))
    return paragraphs, form, header, title


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(unlabelled_documents())
def test_unlabelled_documents_keep_every_paragraph(write_text, write_docx, generated) -> None:
    paragraphs, form, header, title = generated
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"doc.{form}"
        if form == "docx":
            blocks: list = [("Title", title)] if title else []
            write_docx(path, [*blocks, *header, *paragraphs])
        else:
            heading = [f"# {title}" if form == "md" else title] if title else []
            write_text(path, "\n\n".join([*heading, *header, *paragraphs]) + "\n")
        document = read_file(path)
        # A plain-text title is a paragraph of text like any other (md and docx mark headings).
        expected = [title, *paragraphs] if title and form in ("txt", "rst") else paragraphs
        for unit in Unit:
            segmentation = segment_document(document, unit, ROLES)
            assert_span_invariants(document, segmentation)
            assert {s.speaker for s in segmentation.segments} == {None}
            said = " ".join(s.text for s in segmentation.segments).split()
            assert said == " ".join(expected).split()  # nothing lost, nothing added
            reasons = {r.reason for r in segmentation.excluded}
            assert reasons <= {Exclusion.FRONT_MATTER, Exclusion.HEADING}
            if unit is Unit.TURN:  # one segment per paragraph, not one giant segment
                assert len(segmentation.segments) == len(expected)


# -- a folder of mixed real-shaped documents, ingested ------------------------------------------


def test_a_mixed_folder_loses_no_paragraph_and_invents_no_speaker(
    corpus: Path, write_text, write_docx, tmp_path: Path
) -> None:
    from qualcode.ingest import ingest
    from qualcode.models import Segmentation
    from qualcode.store import Store

    write_text(corpus / "programa.txt", PROGRAMME)
    write_text(corpus / "aston.txt", INTERVIEW)
    write_text(corpus / "evidence.txt", HANSARD)
    write_text(
        corpus / "b04.md",
        "# Interview B04\n\n**Interviewer:** Why?\n\n"
        "**Delroy Francis**: Land. (laughs) For good.\n",
    )
    write_text(corpus / "qa.rst", "Q: Who owns it?\n\nA: The trust.\n\nQ: Since when?\n")
    write_docx(
        corpus / "ple.docx",
        [("Intervinent", "La presidenta"), "Bona tarda.", "Primer: el pressupost."],
    )
    with Store.open(tmp_path / "p.qualcode", create=True) as store:
        result = ingest(store, [corpus])
        assert [f.status for f in result.files] == ["added"] * 6
        speakers = {}
        for document in store.documents():
            segments = store.segments(document.document_id)
            text = store.document_text(document.document_id)
            excluded = store.excluded_regions(document.document_id) or []
            read = read_file(corpus / document.name)
            assert_span_invariants(read, Segmentation(segments, excluded))
            assert text == read.text
            speakers[document.name] = {s.speaker for s in segments} - {None}
    assert speakers == {
        "aston.txt": {"Interviewer", "Sarah Malik"},
        "b04.md": {"Interviewer", "Delroy Francis"},
        "evidence.txt": {"The Chair", "Ms Patel", "Mr Hughes"},
        "ple.docx": {"La presidenta"},
        "programa.txt": set(),
        "qa.rst": {"Q", "A"},
    }
    labels = {f.name: f.text_labels for f in result.files}
    assert labels["programa.txt"] == ("Equitat", "Exemples", "IVA", "Barnett Formula", "Proposem")
    assert labels["aston.txt"] == ("Housing",)
    assert labels["ple.docx"] == ("Primer",)


def test_names_alone_in_word_paragraphs_hansard_style(corpus: Path, write_docx) -> None:
    path = write_docx(corpus / "evidence.docx", HANSARD.strip().split("\n\n"))
    _, segmentation = cut(path)
    assert [(s.speaker, " ".join(s.text.split())) for s in segmentation.segments] == [
        ("The Chair", "Good morning. Could you introduce yourselves?"),
        ("Ms Patel", "I lead the housing team. We build homes."),
        ("The Chair", "Thank you. Mr Hughes?"),
        ("Mr Hughes", "I chair the tenants."),
        ("Ms Patel", "May I add one point?"),
        ("Mr Hughes", "Of course."),
    ]


def test_lower_words_answer_as_the_set_of_the_text_words_would() -> None:
    text = "Marta: the plan, el pla d'acció i l'Ajuntament; ROSA said so_far 12 números (sí)."
    expected = {word for word in re.findall(r"\w+", text) if word.islower()}
    asked = ["the", "pla", "d", "acció", "ajuntament", "rosa", "said", "so_far", "so", "far"]
    asked += ["12", "números", "sí", "marta", "Marta", "d'acció", "", "plan,", "l", "acci"]
    asked += [f"absent{number}" for number in range(40)] + ["the", "el", "i"]
    lower_words = _LowerWords(text)
    assert [word in lower_words for word in asked] == [word in expected for word in asked]
    assert lower_words.words == expected  # past the look-ups, every word was collected
