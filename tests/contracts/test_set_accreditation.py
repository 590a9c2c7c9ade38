"""ChainCred.setAccreditation: the registrar records an institution's accreditation."""

from __future__ import annotations

import pytest
from web3.types import TxReceipt

from tests.conftest import Roles
from tests.contracts.conftest import ISSUER_INSTITUTION, OTHER_INSTITUTION, Registry
from tests.contracts.support import deactivate, events, reverts, send

pytestmark = pytest.mark.chain

EQAR_BODY = 42
UNTIL = 2_000_000_000


def _accredit(registry: Registry, institution_id: int, *fields: object) -> TxReceipt:
    return send(registry, registry.registrar, "setAccreditation", institution_id, *fields)


@pytest.mark.parametrize(
    ("accredited", "body", "until"),
    [(True, EQAR_BODY, UNTIL), (False, 0, 0), (True, 2**64 - 1, 2**32 - 1)],
)
def test_set_accreditation_records_the_fields(
    registry: Registry, accredited: bool, body: int, until: int
) -> None:
    receipt = _accredit(registry, ISSUER_INSTITUTION, accredited, body, until)
    record = registry.client.institution(ISSUER_INSTITUTION)
    assert (record.accredited, record.quality_assurance_body) == (accredited, body)
    assert record.accreditation_valid_until == until
    assert record.active
    assert events(registry, "AccreditationRecorded", receipt) == [
        {
            "institutionId": ISSUER_INSTITUTION,
            "accredited": accredited,
            "qualityAssuranceBody": body,
            "validUntil": until,
        }
    ]


def test_accreditation_can_be_withdrawn(registry: Registry) -> None:
    _accredit(registry, ISSUER_INSTITUTION, True, EQAR_BODY, UNTIL)
    _accredit(registry, ISSUER_INSTITUTION, False, 0, 0)
    record = registry.client.institution(ISSUER_INSTITUTION)
    assert (record.accredited, record.quality_assurance_body) == (False, 0)
    assert record.accreditation_valid_until == 0


def test_accreditation_leaves_other_fields_and_institutions_alone(registry: Registry) -> None:
    before = registry.client.institution(ISSUER_INSTITUTION)
    other_before = registry.client.institution(OTHER_INSTITUTION)
    _accredit(registry, ISSUER_INSTITUTION, True, EQAR_BODY, UNTIL)
    after = registry.client.institution(ISSUER_INSTITUTION)
    assert (after.registered_at, after.metadata_digest, after.deactivated_at) == (
        before.registered_at,
        before.metadata_digest,
        before.deactivated_at,
    )
    assert registry.client.institution(OTHER_INSTITUTION) == other_before


def test_a_deactivated_institution_keeps_its_accreditation_record(registry: Registry) -> None:
    deactivate(registry, ISSUER_INSTITUTION)
    _accredit(registry, ISSUER_INSTITUTION, True, EQAR_BODY, UNTIL)
    record = registry.client.institution(ISSUER_INSTITUTION)
    assert (record.active, record.accredited) == (False, True)


@pytest.mark.parametrize("institution_id", [0, 3])
def test_set_accreditation_of_an_unknown_institution_reverts(
    registry: Registry, institution_id: int
) -> None:
    with reverts("ChainCredUnknownInstitution", institution_id):
        _accredit(registry, institution_id, True, EQAR_BODY, UNTIL)


@pytest.mark.parametrize("role", ["stranger", "issuer"])
def test_set_accreditation_by_a_non_registrar_reverts(
    registry: Registry, roles: Roles, role: str
) -> None:
    with reverts("OwnableUnauthorizedAccount", getattr(roles, role).address):
        send(
            registry,
            getattr(registry, role),
            "setAccreditation",
            ISSUER_INSTITUTION,
            True,
            EQAR_BODY,
            UNTIL,
        )
    assert registry.client.institution(ISSUER_INSTITUTION).accredited is False
