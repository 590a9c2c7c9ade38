"""ChainCred.mint: issuing one credential."""

from __future__ import annotations

import pytest

from chaincred.domain.onchain import BurnAuth, Status
from chaincred.errors import ContractReverted
from tests.conftest import Roles
from tests.contracts.conftest import ISSUER_INSTITUTION, Registry, fresh_holder, new_digest


def test_mint_records_the_credential(registry: Registry, roles: Roles) -> None:
    digest = new_digest()
    receipt = registry.client.mint(registry.issuer, roles.learner.address, digest, BurnAuth.BOTH)
    record = registry.client.credential(digest)
    block = registry.w3.eth.get_block(receipt["blockNumber"])
    assert record.owner == roles.learner.address
    assert record.institution_id == ISSUER_INSTITUTION
    assert record.status is Status.ACTIVE
    assert record.burn_auth is BurnAuth.BOTH
    assert record.issued_at == block["timestamp"]


def test_mint_of_an_issued_digest_reverts(registry: Registry) -> None:
    digest = new_digest()
    registry.client.mint(registry.issuer, fresh_holder(), digest)
    with pytest.raises(ContractReverted) as caught:
        registry.client.mint(registry.issuer, fresh_holder(), digest)
    assert (caught.value.error, caught.value.args_) == ("ChainCredAlreadyIssued", (digest,))
