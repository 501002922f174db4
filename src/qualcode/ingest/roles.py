"""Who a speaker is: the project's interviewer and chair labels and a document's own attributes.

Roles are not part of a document's text: the project's labels are applied to the stored segments
(:func:`apply_roles`), so changing them makes no new version and no coding stale.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from qualcode.ingest.metadata import Attributes
from qualcode.models import Role
from qualcode.speakers import DEFAULT_CHAIR_LABELS, DEFAULT_INTERVIEWER_LABELS, fold
from qualcode.store import Store

# Labels that name a role, not a person: a transcript that uses them marks its speakers. Those
# that answer (A, R, Respondent) apart, a role asks or gives the floor.
ANSWER_LABELS: frozenset[str] = frozenset(
    fold(label)
    for label in (
        "a",
        "r",
        "answer",
        "respuesta",
        "resposta",
        "respondent",
        "interviewee",
        "entrevistado",
        "entrevistada",
        "entrevistat",
        "entrevistada/o",
        "entrevistado/a",
        "witness",
    )
)
ROLE_LABELS: frozenset[str] = ANSWER_LABELS | frozenset(
    fold(label)
    for label in (
        *DEFAULT_INTERVIEWER_LABELS,
        *DEFAULT_CHAIR_LABELS,
        "counsel",
    )
)


class RoleResolver:
    """Decides a speaker's role from the interviewer and chair labels set per project and document.

    A label in both lists is the interviewer's: the interviewer labels include a document's own
    ``interviewer`` attribute, which names its people and so wins over a project's chair labels.
    """

    def __init__(self, labels: Iterable[str], chair: Iterable[str] = ()) -> None:
        self._labels = {fold(label) for label in labels if label.strip()}
        self._chair = {fold(label) for label in chair if label.strip()} - self._labels

    def role(self, speaker: str | None) -> Role | None:
        if speaker is None:
            return None
        key = fold(speaker)
        if key in self._labels:
            return Role.INTERVIEWER
        return Role.CHAIR if key in self._chair else Role.RESPONDENT

    def is_role(self, label: str) -> bool:
        """Whether a label is one of the interviewer's or the chair's (not a person's name)."""
        key = fold(label)
        return key in self._labels or key in self._chair


def split_labels(value: str | None) -> list[str]:
    """Interviewer labels in metadata are separated by ``;`` or ``,`` (``Marta Soler; Q``)."""
    if not value:
        return []
    return [part.strip() for part in re.split(r"[;,]", value) if part.strip()]


INTERVIEWER_SETTING = "interviewer_labels"
CHAIR_SETTING = "chair_labels"


def project_interviewer_labels(store: Store) -> list[str]:
    configured = store.get_setting(INTERVIEWER_SETTING)
    return split_labels(configured) if configured is not None else list(DEFAULT_INTERVIEWER_LABELS)


def project_chair_labels(store: Store) -> list[str]:
    configured = store.get_setting(CHAIR_SETTING)
    return split_labels(configured) if configured is not None else list(DEFAULT_CHAIR_LABELS)


@dataclass(frozen=True)
class ProjectRoles:
    """The project's interviewer and chair labels, to which a document's attributes add."""

    interviewer: list[str]
    chair: list[str]

    @classmethod
    def of(cls, store: Store) -> ProjectRoles:
        return cls(project_interviewer_labels(store), project_chair_labels(store))

    def resolver(self, interviewer: str | None, chair: str | None) -> RoleResolver:
        """The roles in a document whose ``interviewer`` and ``chair`` attributes are given."""
        return RoleResolver(
            self.interviewer + split_labels(interviewer), self.chair + split_labels(chair)
        )


def apply_roles(store: Store) -> int:
    """Give every current segment the role its speaker has under the project's interviewer and
    chair labels and its document's ``interviewer`` and ``chair`` attributes; return how many
    segments changed.

    A role is not part of the text: no new version is made and no coding becomes stale.
    """
    project = ProjectRoles.of(store)
    roles = []
    for document in store.documents():
        resolver = project.resolver(
            document.attributes.get("interviewer"), document.attributes.get("chair")
        )
        roles += [
            (segment.segment_id or 0, resolver.role(segment.speaker))
            for segment in store.segments(document.document_id)
        ]
    return store.set_roles(roles)


# The labels of the turns whose speaker a document's ``interviewer`` or ``respondent`` names.
NAMED_QUESTION_LABELS = ("q", "question", "p", "pregunta")
NAMED_ANSWER_LABELS = ("a", "answer", "r", "respuesta", "resposta")


def role_names(attributes: Attributes) -> dict[str, str]:
    """The speakers of ``Q:`` and ``A:`` turns: the one person each of the document's
    ``interviewer`` and ``respondent`` attributes names (role labels in them aside)."""
    aliases: dict[str, str] = {}
    for attribute, labels in (
        ("interviewer", NAMED_QUESTION_LABELS),
        ("respondent", NAMED_ANSWER_LABELS),
    ):
        names = [
            name
            for name in split_labels(attributes.get(attribute, ("", ""))[0])
            if fold(name) not in ROLE_LABELS
        ]
        if len(names) == 1:
            aliases.update(dict.fromkeys(labels, names[0]))
    return aliases
