"""Words the pages share: how each personal claim of the vocabulary is named to people."""

from __future__ import annotations

from chaincred.domain import CLAIM_NAMES

__all__ = ["CLAIM_LABELS"]

CLAIM_LABELS = {
    "name": "Full name",
    "given_name": "Given name",
    "family_name": "Family name",
    "student_id": "Student id",
    "date_of_birth": "Date of birth",
    "date_of_completion": "Date of completion",
    "grade": "Grade or result",
}
assert tuple(CLAIM_LABELS) == CLAIM_NAMES, "a claim of the vocabulary has no label"
