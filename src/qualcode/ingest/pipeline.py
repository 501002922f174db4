"""One document's way into the project: read text → segments → their languages → a version.

``ingest`` (from files) and the REFI-QDA import (from another tool's sources) both go this way, so
a rule about what a version holds is written here once. The way has two halves because ingest
runs the first one in worker processes: :func:`segment_and_identify` needs no store and gives a
picklable :class:`Segmented`; :func:`save_version` writes it. How the text is cut is the caller's
segmenter (:func:`segment_with` for ingest), as an imported source must keep every selection in a
segment.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from qualcode.ingest.labels import AUTO, SpeakerPolicy
from qualcode.ingest.language import LanguageIdentifier, assign_languages, normalise_language
from qualcode.ingest.metadata import Attributes
from qualcode.ingest.roles import ProjectRoles, RoleResolver
from qualcode.ingest.segment import count_words, segment_document
from qualcode.models import (
    ExcludedRegion,
    Exclusion,
    ExclusionCount,
    ReadDocument,
    Segment,
    Segmentation,
    Unit,
)
from qualcode.store import Store

# Bump when segmentation rules change: re-ingest then re-segments unchanged files.
SEGMENTER_VERSION = "2"

Segmenter = Callable[[ReadDocument, RoleResolver], tuple[Segmentation, Unit]]
"""Cuts a read document, given the roles in it, into segments; returns them and their unit."""


@dataclass(frozen=True)
class Segmented:
    """A document read, cut into segments and their languages identified: a version to write."""

    format: str
    encoding: str | None
    text: str
    properties: dict[str, str]
    unit: Unit
    segments: list[Segment]
    languages: tuple[str, ...]
    excluded: list[tuple[ExcludedRegion, int]]
    """The text left out of every segment, each region with its words."""
    text_labels: tuple[str, ...] = ()
    speaker_labels: tuple[str, ...] = ()


def segment_with(
    unit: Unit, speakers: SpeakerPolicy = AUTO, aliases: dict[str, str] | None = None
) -> Segmenter:
    """The segmenter of ingest: ``unit``, the labels ``speakers`` allows, named role labels."""

    def segmenter(read: ReadDocument, roles: RoleResolver) -> tuple[Segmentation, Unit]:
        return segment_document(read, unit, roles, speakers, aliases=aliases), unit

    return segmenter


def segment_and_identify(
    read: ReadDocument,
    attributes: Attributes,
    roles: ProjectRoles,
    segmenter: Segmenter,
    identifier: LanguageIdentifier,
) -> Segmented:
    """Cut ``read`` into segments, with the roles of its ``interviewer`` and ``chair``
    attributes, and give each segment its language (the ``language`` attribute's, when the
    document declares one, else identified)."""
    resolver = roles.resolver(
        attributes.get("interviewer", ("", ""))[0], attributes.get("chair", ("", ""))[0]
    )
    segmentation, unit = segmenter(read, resolver)
    declared = normalise_language(attributes["language"][0]) if "language" in attributes else ()
    segments, languages = assign_languages(segmentation.segments, declared, identifier)
    return Segmented(
        format=read.format,
        encoding=read.encoding,
        text=read.text,
        properties=read.properties,
        unit=unit,
        segments=segments,
        languages=languages,
        excluded=counted(read.text, segmentation.excluded),
        text_labels=segmentation.text_labels,
        speaker_labels=segmentation.speaker_labels,
    )


def with_detected_language(attributes: Attributes, languages: Sequence[str]) -> Attributes:
    """The attributes to store: a document that declares no language gets the ones found."""
    if "language" in attributes:
        return attributes
    return {**attributes, "language": (",".join(languages), "detected")}


def with_stored_language(store: Store, document_id: int, attributes: Attributes) -> Attributes:
    """The attributes to store for a document the project already has, not read again: one
    that declares no language keeps the languages found when it was read."""
    if "language" in attributes:
        return attributes
    return with_detected_language(attributes, store.document_languages(document_id))


def save_version(
    store: Store,
    segmented: Segmented,
    *,
    name: str,
    source_path: str,
    content_hash: str,
    segmentation_key: str,
) -> tuple[int, int]:
    """Add the document, or a new version of it, in the caller's transaction; return
    (document_id, version)."""
    return store.save_document(
        name=name,
        source_path=source_path,
        format=segmented.format,
        content_hash=content_hash,
        segmentation_key=segmentation_key,
        encoding=segmented.encoding,
        text=segmented.text,
        properties=segmented.properties,
        languages=segmented.languages,
        unit=segmented.unit,
        segments=segmented.segments,
        excluded=segmented.excluded,
    )


def counted(text: str, excluded: list[ExcludedRegion]) -> list[tuple[ExcludedRegion, int]]:
    """Each excluded region with its words, counted as a segment's are: what the store keeps."""
    return [(region, count_words(text[region.start_char : region.end_char])) for region in excluded]


def exclusion_counts(excluded: list[tuple[ExcludedRegion, int]]) -> tuple[ExclusionCount, ...]:
    """Regions and words per reason, in the order of :class:`Exclusion`."""
    regions: dict[Exclusion, int] = {}
    words: dict[Exclusion, int] = {}
    for region, count in excluded:
        regions[region.reason] = regions.get(region.reason, 0) + 1
        words[region.reason] = words.get(region.reason, 0) + count
    return tuple(
        ExclusionCount(reason, regions[reason], words[reason])
        for reason in Exclusion
        if reason in regions
    )
