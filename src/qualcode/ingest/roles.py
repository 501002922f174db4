"""Who a speaker is: the project's interviewer and chair labels and a document's own attributes.

Roles are not part of a document's text: the project's labels are applied to the stored segments
(:func:`apply_roles`), so changing them makes no new version and no coding stale.
"""

from __future__ import annotations

from dataclasses import dataclass

from qualcode.ingest.labels import ROLE_LABELS
from qualcode.ingest.metadata import Attributes
from qualcode.speakers import (
    DEFAULT_CHAIR_LABELS,
    DEFAULT_INTERVIEWER_LABELS,
    RoleResolver,
    fold,
    split_labels,
)
from qualcode.store import Store

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


QUESTION_LABELS = ("q", "question", "p", "pregunta")
ANSWER_LABELS = ("a", "answer", "r", "respuesta", "resposta")


def role_names(attributes: Attributes) -> dict[str, str]:
    """The speakers of ``Q:`` and ``A:`` turns: the one person each of the document's
    ``interviewer`` and ``respondent`` attributes names (role labels in them aside)."""
    aliases: dict[str, str] = {}
    for attribute, labels in (("interviewer", QUESTION_LABELS), ("respondent", ANSWER_LABELS)):
        names = [
            name
            for name in split_labels(attributes.get(attribute, ("", ""))[0])
            if fold(name) not in ROLE_LABELS
        ]
        if len(names) == 1:
            aliases.update(dict.fromkeys(labels, names[0]))
    return aliases
