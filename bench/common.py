"""Synthetic interview text in English, Spanish and Catalan, for benchmarks.

Deterministic for a seed. Segments alternate short interviewer questions and long respondent
answers; words follow a Zipf-like distribution over function words, everyday words, a domain
vocabulary (housing, work, inequality, neighbourhoods…: the words codebooks look for, one token
in twenty by default) and an open-ended tail of invented words, so that the number of distinct
tokens keeps growing with the size of the text as it does in real transcripts. The text has what
real transcripts have: accents, typographic apostrophes and quotes, Catalan elisions
(l’habitatge, d’un), dashes, numbers, hesitations.

    from common import synthetic_segments, segment_texts
    for text in segment_texts(1_000_000, seed=1): ...
"""

from __future__ import annotations

import random
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qualcode.ingest.segment import count_words
from qualcode.models import Role, Segment, Unit
from qualcode.store import Store

LANGUAGES = ("en", "es", "ca")


def _words(text: str) -> list[str]:
    return text.split()


FUNCTION_WORDS = {
    "en": _words(
        "the and to of a i that in it you was is they we but so for it’s on with there like "
        "what know be this just have not then don’t because people at when all if were are "
        "them do an or my me about as one would had think mean very no from by their our out "
        "up more can get yeah well really which who some things thing there’s can’t much went "
        "here those lot been also got now how because actually still years time where even"
    ),
    "es": _words(
        "de la que el en y a los se no las por un con una su para es lo como más pero sus le "
        "ya o porque muy sin sobre también me hay donde nos yo todo esto eso bueno pues entonces "
        "cuando era había años vez están están así mucho gente cosas nada ahí aquí ellos "
        "tenemos tiene hacer decir sí claro digamos o_sea también siempre ahora luego"
    ),
    "ca": _words(
        "de la que el i a els es no les per un amb una seva per és ho com més però seus li "
        "ja o perquè molt sense sobre també em hi ha on ens jo tot això bé doncs llavors quan "
        "era havia anys vegada estan així molta gent coses res allà aquí ells tenim té fer dir "
        "sí clar diguem o sigui també sempre ara després aleshores potser"
    ),
}

GENERAL_WORDS = {
    "en": _words(
        "said say going go come came see saw look looked want wanted need needed feel felt "
        "told tell talk talking remember thought make made take took give gave find found "
        "day days week weeks morning night year old new good bad big small little long last "
        "first next other same different right left back home house room door window kitchen "
        "friend friends brother sister wife husband kids baby man woman men women person "
        "money time place side kind way end part number point fact case story moment idea "
        "always never sometimes often maybe probably quite pretty sure enough whole again "
        "early late soon later before after around through across between during without "
        "happy sad angry tired worried scared hard easy difficult important possible "
        "television phone car road shop shops pub church football music food dinner tea "
        "school's mum dad nan weekend christmas summer winter rain weather doctor nurse"
    ),
    "es": _words(
        "dijo decir ir voy vamos venir vino ver vi mirar quería necesitaba sentía contaba "
        "hablar hablando recuerdo pensaba hice hacer tomar dar encontrar día días semana "
        "semanas mañana noche año viejo nuevo bueno malo grande pequeño largo último primero "
        "siguiente otro mismo diferente derecha izquierda casa habitación puerta ventana "
        "cocina amigo amigos hermano hermana mujer marido hijos bebé hombre persona dinero "
        "tiempo lugar lado tipo manera final parte número punto caso historia momento idea "
        "siempre nunca veces quizás seguramente bastante seguro suficiente entero otra_vez "
        "temprano tarde pronto antes después alrededor entre durante contento triste enfadado "
        "cansado preocupado difícil fácil importante posible televisión teléfono coche "
        "carretera tienda tiendas bar iglesia fútbol música comida cena café mamá papá abuela "
        "fin_de_semana navidad verano invierno lluvia tiempo médico enfermera"
    ),
    "ca": _words(
        "va_dir dir anar vaig anem venir va_venir veure mirar volia necessitava sentia "
        "explicava parlar parlant recordo pensava vaig_fer fer agafar donar trobar dia dies "
        "setmana setmanes matí nit any vell nou bo dolent gran petit llarg últim primer "
        "següent altre mateix diferent dreta esquerra casa habitació porta finestra cuina "
        "amic amics germà germana dona marit fills nadó home persona diners temps lloc costat "
        "tipus manera final part número punt cas història moment idea sempre mai vegades "
        "potser segurament bastant segur prou sencer una_altra_vegada aviat tard abans després "
        "al_voltant entre durant content trist enfadat cansat preocupat difícil fàcil "
        "important possible televisió telèfon cotxe carretera botiga botigues bar església "
        "futbol música menjar sopar cafè mama papa àvia cap_de_setmana nadal estiu hivern "
        "pluja metge infermera"
    ),
}

CONTENT_WORDS = {
    "en": _words(
        "housing rent rents renting rented landlord landlords eviction evictions evicted "
        "tenant tenants council flat flats estate estates neighbourhood neighbourhoods "
        "community communities inequality inequalities poverty deprivation deprived income "
        "incomes wage wages living wealth unemployment job jobs work working worker workers "
        "precarious contract contracts zero hours benefits universal credit school schools "
        "education health hospital services public private regeneration gentrification "
        "gentrified displacement displaced tourism tourists migrants migration immigrants "
        "racism discrimination segregation mortgage mortgages homelessness homeless shelter "
        "food bank banks debt debts energy bills heating cold damp overcrowding overcrowded "
        "children family families mother father daughter son neighbours street streets park "
        "parks transport bus buses cuts austerity budget policy policies government local "
        "authority association associations organise organising organised campaign campaigns "
        "protest protests union unions solidarity accredited accreditation affordable "
        "affordability social city centre ownership owners cooperative cooperatives "
        "remunicipalisation privatisation wealth building anchor institutions procurement"
    ),
    "es": _words(
        "vivienda viviendas alquiler alquileres alquilar casero caseros desahucio desahucios "
        "desahuciados inquilino inquilinos piso pisos barrio barrios vecindario comunidad "
        "comunidades desigualdad desigualdades pobreza privación ingresos salario salarios "
        "riqueza paro empleo empleos trabajo trabajar trabajadores trabajadoras precario "
        "precaria precariedad contrato contratos ayudas prestaciones escuela escuelas "
        "educación salud sanidad hospital servicios públicos pública privados regeneración "
        "gentrificación desplazamiento desplazados turismo turistas migrantes migración "
        "inmigrantes racismo discriminación segregación hipoteca hipotecas sinhogarismo "
        "albergue banco alimentos deuda deudas energía facturas calefacción frío humedad "
        "hacinamiento niños familia familias madre padre hija hijo vecinos calle calles parque "
        "parques transporte autobús recortes austeridad presupuesto política políticas "
        "gobierno ayuntamiento asociación asociaciones organizar organizamos campaña campañas "
        "protesta protestas sindicato sindicatos solidaridad asequible social ciudad centro "
        "propiedad propietarios cooperativa cooperativas remunicipalización privatización "
        "okupación okupas plataforma afectados hipoteca supermanzana supermanzanas"
    ),
    "ca": _words(
        "habitatge habitatges lloguer lloguers llogar propietari propietaris desnonament "
        "desnonaments desnonats inquilí inquilins llogaters pis pisos barri barris veïnat "
        "comunitat comunitats desigualtat desigualtats pobresa privació ingressos salari "
        "salaris riquesa atur ocupació feina treball treballar treballadors treballadores "
        "precari precària precarietat contracte contractes ajudes prestacions escola escoles "
        "educació salut sanitat hospital serveis públics pública privats regeneració "
        "gentrificació desplaçament desplaçats turisme turistes migrants migració immigrants "
        "racisme discriminació segregació hipoteca hipoteques sensellarisme alberg banc "
        "aliments deute deutes energia factures calefacció fred humitat amuntegament nens "
        "família famílies mare pare filla fill veïns carrer carrers parc parcs transport "
        "autobús retallades austeritat pressupost política polítiques govern ajuntament "
        "associació associacions organitzar organitzem campanya campanyes protesta protestes "
        "sindicat sindicats solidaritat assequible social ciutat centre propietat cooperativa "
        "cooperatives remunicipalització privatització ocupació plataforma afectats "
        "superilla superilles"
    ),
}

_SYLLABLES = {
    "en": _words("ba be bi bo ter ing ment ness ly con pro re de tion al er ous ish ward ful"),
    "es": _words("ba be bi bo ta te ti to ción mien to ra re ri ro la le li lo da do dad"),
    "ca": _words("ba be bi bo ta te ti to ció ment ra re ri ro la le li lo da dat ll ny"),
}
_ELIDED = {"ca": ("l’", "d’"), "en": (), "es": ()}
_HESITATIONS = {"en": ("erm", "um", "yeah"), "es": ("eh", "mm", "bueno"), "ca": ("eh", "mm", "bé")}
_QUESTION = {"en": "?", "es": "?", "ca": "?"}


@dataclass(frozen=True)
class SyntheticSegment:
    text: str
    language: str
    role: str


def use_plain_proximity() -> None:
    """Match ``near`` and ``unless … within`` rules as before they were linear: every pair of hits
    compared, the text between them split (the reference of tests/test_proximity.py). A baseline
    for the dense settings, in the same run; worker processes forked after this inherit it."""
    import qualcode.matching

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from test_proximity import plain_rule_spans

    def plain(rule: Any, spans: Any, tokens: Any) -> Any:
        return plain_rule_spans(rule, spans, tokens._joined)

    qualcode.matching._rule_spans = plain  # type: ignore[assignment]


DENSE_DOMAIN_SHARE = 0.6
"""Most tokens codebook words: about 100,000 hits per MB, the densest setting benchmarked."""

DOMAIN_SHARE = 0.05
"""Share of tokens drawn from the domain vocabulary (the words codebooks look for)."""


def synthetic_segments(
    total_bytes: int,
    *,
    seed: int = 0,
    languages: Sequence[str] = LANGUAGES,
    domain_share: float = DOMAIN_SHARE,
) -> Iterator[SyntheticSegment]:
    """Segments of about ``total_bytes`` of UTF-8 text in all, deterministic for ``seed``.

    The language changes every few dozen segments (one interview after another); about one
    segment in three is an interviewer's question. ``domain_share`` sets how often the words a
    codebook looks for occur, and so how many hits a matcher makes.
    """
    rng = random.Random(seed)
    generators = {language: _Language(language, rng, domain_share) for language in languages}
    produced = 0
    language = languages[0]
    until_switch = 0
    interviewer = True
    while produced < total_bytes:
        if until_switch <= 0:
            language = rng.choice(list(languages))
            until_switch = rng.randint(20, 80)
        until_switch -= 1
        generator = generators[language]
        if interviewer:
            text = generator.turn(rng.randint(1, 2), question=True)
            role = "interviewer"
        else:
            text = generator.turn(rng.randint(2, 9), question=False)
            role = "respondent"
        interviewer = not interviewer if rng.random() < 0.8 else interviewer
        produced += len(text.encode("utf-8"))
        yield SyntheticSegment(text, language, role)


def segment_texts(
    total_bytes: int,
    *,
    seed: int = 0,
    languages: Sequence[str] = LANGUAGES,
    domain_share: float = DOMAIN_SHARE,
) -> Iterator[str]:
    """Just the texts of :func:`synthetic_segments`."""
    for segment in synthetic_segments(
        total_bytes, seed=seed, languages=languages, domain_share=domain_share
    ):
        yield segment.text


class _Language:
    """Draws words and sentences of one language."""

    def __init__(self, language: str, rng: random.Random, domain_share: float) -> None:
        self.language = language
        self.rng = rng
        self.domain_share = domain_share
        self.function = FUNCTION_WORDS[language]
        self.content = CONTENT_WORDS[language]
        self.function_weights = _zipf(len(self.function))
        self.content_weights = _zipf(len(self.content), exponent=0.7)
        self.general = GENERAL_WORDS[language]
        self.general_weights = _zipf(len(self.general), exponent=0.8)
        self.syllables = _SYLLABLES[language]

    def word(self) -> str:
        draw = self.rng.random()
        if draw < 0.50:
            return self.rng.choices(self.function, self.function_weights)[0]
        if draw < 0.85 - self.domain_share:
            return self.rng.choices(self.general, self.general_weights)[0]
        if draw < 0.85:
            word = self.rng.choices(self.content, self.content_weights)[0]
            elided = _ELIDED[self.language]
            if elided and word[0] in "aeiouhàèéíòóú" and self.rng.random() < 0.4:
                word = self.rng.choice(elided) + word
            return word
        if draw < 0.97:
            return self._rare_word()
        if draw < 0.99:
            return self.rng.choice(_HESITATIONS[self.language])
        return str(self.rng.choice((3, 12, 40, 300, 650, 800, 1200, 2008, 2015)))

    def _rare_word(self) -> str:
        # Geometric in the index: a few invented words are common, most are rare, new ones keep
        # appearing (Heaps' law), as names, places and less frequent words do in transcripts.
        index = int(5 * self.rng.paretovariate(0.5))
        local = random.Random(f"{self.language}{index}")
        return "".join(local.choice(self.syllables) for _ in range(local.randint(2, 4)))

    def sentence(self, question: bool) -> str:
        words = [self.word() for _ in range(self.rng.randint(4, 22))]
        words = [word.replace("_", " ") for word in words]
        if self.rng.random() < 0.15:
            words.insert(self.rng.randint(1, len(words)), "—")
        if self.rng.random() < 0.1:
            at = self.rng.randint(0, len(words) - 1)
            words[at] = f"“{words[at]}”"
        text = " ".join(words)
        text = text[0].upper() + text[1:]
        if question:
            return ("¿" if self.language == "es" else "") + text + _QUESTION[self.language]
        return text + self.rng.choice((".", ".", ".", ",", "…", "!"))

    def turn(self, sentences: int, question: bool) -> str:
        return " ".join(self.sentence(question and i == sentences - 1) for i in range(sentences))


def _zipf(count: int, exponent: float = 1.0) -> list[float]:
    return [1.0 / (rank**exponent) for rank in range(1, count + 1)]


# --------------------------------------------------------------------------------------------
# A codebook to match against that text


def generate_codebook_yaml(*, patterns: int = 500, seed: int = 0, fuzzy: bool = True) -> str:
    """A codebook of about ``patterns`` patterns in en/es/ca, deterministic for ``seed``.

    Mixes what real codebooks hold: whole words (40%), wildcards (25%), phrases (17%), stems
    (10%), fuzzy words (about 20, when ``fuzzy``), a few near and unless patterns and five regular
    expressions, two of them without a literal start. Words come from the same vocabulary as the
    text, plus invented words that rarely occur.
    """
    rng = random.Random(seed)
    codes: list[str] = []
    per_code = 8
    count = 0
    code_number = 0
    regexes = [
        ("en", r"re:super ?blocks?"),
        ("ca", r"re:super ?illes?"),
        ("es", r"re:super ?manzanas?"),
        ("any", r"re:\d+ ?(euros?|€|pounds?|£)"),
        ("any", r"re:(19|20)\d\d"),
    ]
    while count < patterns:
        lists: dict[str, list[str]] = {"en": [], "es": [], "ca": [], "any": []}
        for _ in range(per_code):
            language = rng.choice(LANGUAGES)
            lists[language].append(_random_pattern(rng, language, fuzzy))
            count += 1
        if regexes and code_number % 7 == 3:
            language, regex = regexes.pop()
            lists[language].append(regex)
            count += 1
        if code_number % 9 == 5:
            language = rng.choice(LANGUAGES)
            first, second = rng.sample(CONTENT_WORDS[language], 2)
            lists[language].append(f'{{near: ["{first}", "{second[:6]}*"], within: 6}}')
            count += 1
        if code_number % 11 == 2:
            language = rng.choice(LANGUAGES)
            word, veto = rng.sample(CONTENT_WORDS[language], 2)
            lists[language].append(f'{{pattern: "{word}", unless: ["{veto}"], within: 4}}')
            count += 1
        body = "\n".join(
            f"          {language}: [{', '.join(_quote(p) for p in items)}]"
            for language, items in lists.items()
            if items
        )
        parent = code_number // 6
        if code_number % 6 == 0:
            codes.append(f"  - id: theme{parent}\n    label: Theme {parent}\n    children:")
        codes.append(
            f"      - id: code{code_number}\n        label: Code {code_number}\n"
            f"        patterns:\n{body}"
        )
        code_number += 1
    return (
        'name: bench\nversion: "1"\nlanguages: [en, es, ca]\n'
        "defaults: {scope: all, fuzzy_threshold: 88, window: 8}\ncodes:\n" + "\n".join(codes) + "\n"
    )


def _quote(pattern: str) -> str:
    return pattern if pattern.startswith("{") else '"' + pattern.replace("\\", "\\\\") + '"'


def _random_pattern(rng: random.Random, language: str, fuzzy: bool) -> str:
    content = CONTENT_WORDS[language]
    invented = "".join(rng.choice(_SYLLABLES[language]) for _ in range(rng.randint(3, 4)))
    word = rng.choice(content) if rng.random() < 0.6 else invented
    draw = rng.random()
    if draw < 0.40:
        return word
    if draw < 0.65:
        return word[: max(5, len(word) - rng.randint(1, 3))] + "*"
    if draw < 0.82:
        return f"{word} {rng.choice(content)}"
    if draw < 0.92:
        return f"stem:{word}"
    long_words = [w for w in content if len(w) >= 8]
    if fuzzy and draw < 0.96:
        return f"fuzzy:{rng.choice(long_words)}"
    return rng.choice(content)


def save_generated_document(store: Store, number: int, batch: Sequence[SyntheticSegment]) -> int:
    """Write synthetic segments as one document of a project (one segment per turn, separated by
    blank lines, spans exact); return its document id. For benchmarks that skip ingest."""
    segments: list[Segment] = []
    parts: list[str] = []
    offset = 0
    for ordinal, item in enumerate(batch):
        segments.append(
            Segment(
                ordinal=ordinal,
                start_char=offset,
                end_char=offset + len(item.text),
                text=item.text,
                speaker="Interviewer" if item.role == "interviewer" else "Respondent",
                role=Role(item.role),
                turn=ordinal,
                language=item.language,
                word_count=count_words(item.text),
            )
        )
        parts.append(item.text)
        offset += len(item.text) + 2
    name = f"generated/{number:05d}.txt"
    document_id, _ = store.save_document(
        name=name,
        source_path=f"/{name}",
        format="txt",
        content_hash=str(number),
        segmentation_key="bench",
        encoding="utf-8",
        text="\n\n".join(parts),
        properties={},
        languages=sorted({item.language for item in batch}),
        unit=Unit.TURN,
        segments=segments,
    )
    return document_id
