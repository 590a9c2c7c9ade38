"""Achievements: the templates an institution defines once and issues many times.

An achievement is validated by the domain when it is created or edited. It can be edited
until a credential is issued from it (the credential embeds it, so later edits would make the
template and the credentials disagree); it is archived, never deleted.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any
from uuid import uuid4

from chaincred.domain import Achievement, parse_achievement
from chaincred.ports.issuer import AchievementEntry, Clock, IssuerRepository
from chaincred.services.errors import AchievementInUse, NotFound

__all__ = [
    "achievement_data",
    "archive_achievement",
    "create_achievement",
    "edit_achievement",
    "get_achievement",
    "list_achievements",
]


def achievement_data(achievement: Achievement) -> dict[str, Any]:
    """The stored (and answered) form of a validated achievement."""
    return achievement.model_dump(mode="json", exclude_defaults=True)


def create_achievement(
    institution_id: int, raw: Mapping[str, object], *, repo: IssuerRepository, clock: Clock
) -> AchievementEntry:
    entry = AchievementEntry(
        id=uuid4().hex,
        institution_id=institution_id,
        data=achievement_data(parse_achievement(raw)),
        created_at=clock(),
    )
    with repo.begin() as tx:
        tx.add_achievement(entry)
    return entry


def list_achievements(
    institution_id: int, *, archived: bool, repo: IssuerRepository
) -> list[AchievementEntry]:
    with repo.begin() as tx:
        return tx.achievements(institution_id, archived=archived)


def get_achievement(
    institution_id: int, achievement_id: str, *, repo: IssuerRepository
) -> AchievementEntry:
    with repo.begin() as tx:
        entry = tx.achievement(institution_id, achievement_id)
    if entry is None:
        raise NotFound("achievement", achievement_id)
    return entry


def edit_achievement(
    institution_id: int, achievement_id: str, raw: Mapping[str, object], *, repo: IssuerRepository
) -> AchievementEntry:
    """Replace the definition of an achievement that has not been used yet."""
    data = achievement_data(parse_achievement(raw))
    with repo.begin() as tx:
        entry = tx.achievement(institution_id, achievement_id, lock=True)
        if entry is None:
            raise NotFound("achievement", achievement_id)
        if entry.used:
            raise AchievementInUse(achievement_id)
        edited = replace(entry, data=data)
        tx.update_achievement(edited)
    return edited


def archive_achievement(
    institution_id: int, achievement_id: str, *, repo: IssuerRepository
) -> AchievementEntry:
    """Stop issuing from an achievement (its credentials stay as they are)."""
    with repo.begin() as tx:
        entry = tx.achievement(institution_id, achievement_id, lock=True)
        if entry is None:
            raise NotFound("achievement", achievement_id)
        archived = replace(entry, archived=True)
        tx.update_achievement(archived)
    return archived
