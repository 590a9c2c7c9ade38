"""Reading many documents of one cohort: what they share is validated once.

Documents issued for one achievement share most of their public part: the achievement, the
institution and what chaincred derives from them (name, description, badge image, wallet
attributes, conformance reports): over four fifths of the benchmark's documents. Only the members
in :data:`PER_CREDENTIAL` differ from one learner to the next. Validating and rebuilding the
shared members again for every document was most of the CPU of bulk verification
(docs/benchmarks.md).

:class:`CohortReader` is :func:`~chaincred.domain.parsing.parse_document` with a memory: the
same document, or the same error. Once a document has passed ``parse_document`` in full, the
reader remembers its shared members, keyed by their exact JSON value and by the names of the
claims committed to (the derived conformance report depends on those names). A later document
whose shared members are that same JSON value takes the short road:

- validation: the real models validate the whole document, with the remembered validated
  models standing in for the shared members (pydantic takes a model instance as it is, and
  validating a member depends on nothing outside it), so the per-credential members get
  exactly the checks ``parse_document`` gives them;
- derived members: the shared ones were rebuilt and matched for the remembered document, and
  they are derived from shared facts alone; the per-credential ones are rebuilt here (the
  validated values, absent ones omitted) and must equal the document's;
- canonical bytes: RFC 8785 writes an object as its members sorted by key, each member's bytes
  independent of the others, so the bytes are joined from the remembered shared members and the
  per-credential ones (:func:`~chaincred.domain.canonical.canonical_object`);
- the claim values, and the anchor's token id against the digest, as ``parse_document`` does.

Anything else (a new cohort, a document that fails anywhere on the short road) goes to
``parse_document``, which also gives the precise error. A test holds the two roads to the
same result over every leaf of a document changed in turn.
"""

from __future__ import annotations

import marshal
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from chaincred.domain.canonical import canonical_bytes, canonical_object
from chaincred.domain.digest import sha256_digest, token_id_of
from chaincred.domain.document import CredentialDocument, PublicPart
from chaincred.domain.errors import InvalidCredential, NotCanonicalizable
from chaincred.domain.parsing import check_claim_values, parse_document

__all__ = ["PER_CREDENTIAL", "CohortReader"]

#: The public part's members that differ between the credentials of one cohort. Every other
#: member must follow from the achievement, the institution and the committed claim names
#: (a test changes these members and checks that no other member of the rebuilt part moves).
PER_CREDENTIAL = frozenset(
    {"recipient", "issued_at", "valid_until", "supersedes", "claim_commitments"}
)


@dataclass(frozen=True)
class _Shared:
    """The shared members of one cohort, as read from a document that passed in full."""

    validated: dict[str, Any]  # the members' validated values (models, tuples of models)
    canonical: dict[str, bytes]  # each member's RFC 8785 bytes


class CohortReader:
    """``parse_document`` for a batch of documents, remembering up to ``capacity`` cohorts."""

    def __init__(self, capacity: int = 64) -> None:
        self._capacity = capacity
        self._cohorts: dict[_Key, _Shared] = {}

    def parse(self, raw: Mapping[str, Any]) -> CredentialDocument:
        """What ``parse_document(raw)`` returns, or raises what it raises."""
        split = _split(raw)
        if split is not None:
            key, own = split
            shared = self._cohorts.get(key)
            if shared is not None:
                document = _short_road(raw, own, shared)
                if document is not None:
                    return document
        document = parse_document(raw)
        if split is not None and split[0] not in self._cohorts:
            if len(self._cohorts) >= self._capacity:
                del self._cohorts[next(iter(self._cohorts))]  # the oldest cohort
            self._cohorts[split[0]] = _remember(raw["public"], document.public)
        return document


_Key = tuple[bytes, frozenset[str]]


def _split(raw: Mapping[str, Any]) -> tuple[_Key, dict[str, Any]] | None:
    """The cohort key of a document and its per-credential members; None for input that is not
    of the expected shape.

    The key is the committed claim names and the shared members written by ``marshal``, the
    standard library's C serializer of core types: equal bytes mean equal values of the same
    exact types (true, 1 and 1.0 differ; a tuple is not a list; subclasses are refused),
    which Python's ``==`` does not promise. Format version 2 writes no back-references, so
    the bytes depend on the values alone, not on which objects happen to be shared.
    """
    public = raw.get("public") if isinstance(raw, dict) else None
    if not isinstance(public, dict):
        return None
    commitments = public.get("claim_commitments", {})
    if not isinstance(commitments, dict):
        return None
    shared = {k: v for k, v in public.items() if k not in PER_CREDENTIAL}
    try:
        written = marshal.dumps(shared, 2)
    except ValueError:  # not made of core types, or nested too deep for marshal
        return None
    own = {k: v for k, v in public.items() if k in PER_CREDENTIAL}
    return (written, frozenset(commitments)), own


def _remember(public_raw: Mapping[str, Any], public: PublicPart) -> _Shared:
    names = [k for k in public_raw if k not in PER_CREDENTIAL]
    return _Shared(
        validated={k: getattr(public, k) for k in names},
        canonical={k: canonical_bytes(public_raw[k]) for k in names},
    )


def _short_road(
    raw: Mapping[str, Any], own: dict[str, Any], shared: _Shared
) -> CredentialDocument | None:
    """The document, if every check passes on the short road; None sends it the long way."""
    try:
        document = CredentialDocument.model_validate({**raw, "public": {**own, **shared.validated}})
        check_claim_values(raw["claims"])
        rebuilt = document.public.model_dump(
            mode="json", include=set(PER_CREDENTIAL), exclude_defaults=True
        )
        if rebuilt != own:
            return None
        members = {**shared.canonical, **{k: canonical_bytes(v) for k, v in own.items()}}
    except (ValueError, InvalidCredential, NotCanonicalizable):
        return None  # pydantic's ValidationError is a ValueError
    digest = sha256_digest(canonical_object(members))
    return document if int(document.anchor.token_id) == token_id_of(digest) else None
