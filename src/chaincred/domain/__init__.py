"""The pure core of chaincred: credential models, canonicalization and the digest, salted
claims and selective disclosure, conformance reports and the standard exports.

Nothing here does I/O, reads the clock or the environment; randomness (claim salts) and time
(issued-at) are parameters. The document format is specified in docs/credential-format.md.
"""

from chaincred.domain.achievement import (
    Achievement,
    Assessment,
    LearningOutcome,
    QualityAssurance,
    Stackability,
    parse_achievement,
)
from chaincred.domain.canonical import MAX_SAFE_INTEGER, canonical_bytes
from chaincred.domain.claims import (
    CLAIM_NAMES,
    SALT_BYTES,
    ClaimName,
    PersonalClaims,
    SaltSource,
    claim_preimage,
    commit,
    random_salt,
)
from chaincred.domain.conformance import (
    CMF_2019,
    CMF_REVISED,
    EU_2022,
    CmfRuleSet,
    ConformanceReport,
    EuRuleSet,
    RuleResult,
    RuleSets,
    cmf_report,
    eu_report,
)
from chaincred.domain.credential import Credential, Institution
from chaincred.domain.digest import (
    cid_of,
    cid_of_bytes,
    digest_from_hex,
    digest_from_token_id,
    digest_hex,
    digest_of,
    token_id_of,
    token_uri_of,
)
from chaincred.domain.disclosure import DisclosureReport, Mismatch, present, verify_disclosure
from chaincred.domain.document import (
    Anchor,
    Attribute,
    ClaimOpening,
    CredentialDocument,
    PublicPart,
    document_json,
)
from chaincred.domain.errors import (
    DomainError,
    InvalidCredential,
    InvalidDigest,
    MalformedJson,
    NotCanonicalizable,
    Problem,
    SaltError,
)
from chaincred.domain.exports import badge_of, erc721_metadata, open_badge_credential
from chaincred.domain.fields import timestamp_of
from chaincred.domain.issuance import issue_credential, issue_document
from chaincred.domain.jsontext import parse_json
from chaincred.domain.parsing import parse_document
from chaincred.domain.types import Cid, Commitment, Digest, Salt, TokenId, TokenUri

__all__ = [
    "CLAIM_NAMES",
    "CMF_2019",
    "CMF_REVISED",
    "EU_2022",
    "MAX_SAFE_INTEGER",
    "SALT_BYTES",
    "Achievement",
    "Anchor",
    "Assessment",
    "Attribute",
    "Cid",
    "ClaimName",
    "ClaimOpening",
    "CmfRuleSet",
    "Commitment",
    "ConformanceReport",
    "Credential",
    "CredentialDocument",
    "Digest",
    "DisclosureReport",
    "DomainError",
    "EuRuleSet",
    "Institution",
    "InvalidCredential",
    "InvalidDigest",
    "LearningOutcome",
    "MalformedJson",
    "Mismatch",
    "NotCanonicalizable",
    "PersonalClaims",
    "Problem",
    "PublicPart",
    "QualityAssurance",
    "RuleResult",
    "RuleSets",
    "Salt",
    "SaltError",
    "SaltSource",
    "Stackability",
    "TokenId",
    "TokenUri",
    "badge_of",
    "canonical_bytes",
    "cid_of",
    "cid_of_bytes",
    "claim_preimage",
    "cmf_report",
    "commit",
    "digest_from_hex",
    "digest_from_token_id",
    "digest_hex",
    "digest_of",
    "document_json",
    "erc721_metadata",
    "eu_report",
    "issue_credential",
    "issue_document",
    "open_badge_credential",
    "parse_achievement",
    "parse_document",
    "parse_json",
    "present",
    "random_salt",
    "timestamp_of",
    "token_id_of",
    "token_uri_of",
    "verify_disclosure",
]
