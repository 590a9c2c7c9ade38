"""Helpers shared by the contract tests: exact reverts, decoded events, common set-ups.

Revert arguments come back from eth-abi with lower-case addresses while accounts and event
arguments are checksummed; :func:`reverts` compares both sides in checksum form, so a test
writes ``reverts("ChainCredNotAnIssuer", roles.stranger.address)``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from eth_account import Account
from eth_utils import event_abi_to_log_topic
from web3 import Web3
from web3.logs import DISCARD
from web3.types import TxReceipt

from chaincred.adapters.chain import Transactor
from chaincred.domain.onchain import BurnAuth, Reason
from chaincred.errors import ContractReverted
from chaincred.toolchain.anvil import DEV_ACCOUNTS
from tests.contracts.conftest import Registry, new_digest

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"


def normalized(values: tuple[object, ...]) -> tuple[object, ...]:
    def one(value: object) -> object:
        if isinstance(value, str) and value.startswith("0x") and len(value) == 42:
            return Web3.to_checksum_address(value)
        if isinstance(value, bytes | bytearray):
            return bytes(value)
        return value

    return tuple(one(v) for v in values)


@contextmanager
def reverts(error: str, *args: object) -> Iterator[pytest.ExceptionInfo[ContractReverted]]:
    """Expect the block to revert with exactly the custom error ``error(*args)``."""
    with pytest.raises(ContractReverted) as caught:
        yield caught
    actual = (caught.value.error, normalized(caught.value.args_))
    assert actual == (error, normalized(args))


def events(registry: Registry, name: str, receipt: TxReceipt) -> list[dict[str, Any]]:
    """The arguments of every ``name`` event in the receipt, in log order."""
    event = getattr(registry.client.contract.events, name)()
    return [dict(log["args"]) for log in event.process_receipt(receipt, errors=DISCARD)]


def event_names(registry: Registry, receipt: TxReceipt) -> list[str]:
    """The names of all the registry's events in the receipt, in log order."""
    by_topic = {
        event_abi_to_log_topic(entry): entry["name"]  # type: ignore[arg-type]
        for entry in registry.client.contract.abi
        if entry["type"] == "event"
    }
    return [
        by_topic[bytes(log["topics"][0])]
        for log in receipt["logs"]
        if log["address"] == registry.client.address
    ]


def block_time(registry: Registry, receipt: TxReceipt) -> int:
    return int(registry.w3.eth.get_block(receipt["blockNumber"])["timestamp"])


def send(registry: Registry, sender: Transactor, function: str, *args: Any) -> TxReceipt:
    """Send ``function(*args)`` to the registry from ``sender``."""
    return registry.client.transact(sender, function, *args)


def view(registry: Registry, function: str, *args: Any) -> Any:
    return registry.client.call(function, *args)


def balance(registry: Registry, holder: str) -> int:
    return int(view(registry, "balanceOf", Web3.to_checksum_address(holder)))


def mint_one(
    registry: Registry,
    to: str,
    *,
    auth: BurnAuth = BurnAuth.OWNER_ONLY,
    sender: Transactor | None = None,
) -> int:
    """Mint a fresh digest to ``to`` (by the issuer unless ``sender`` is given); return it."""
    digest = new_digest()
    registry.client.mint(sender or registry.issuer, to, digest, auth)
    return digest


def deactivate(registry: Registry, institution_id: int) -> TxReceipt:
    return send(registry, registry.registrar, "deactivateInstitution", institution_id)


def bring_to(registry: Registry, token_id: int, state: str) -> None:
    """Move an active token of the issuer's institution into ``state``.

    ``state`` is one of "active", "suspended", "revoked", "superseded", "burned"; burning
    assumes the holder (the learner) may burn, i.e. the token was minted ``OWNER_ONLY``/``BOTH``.
    """
    if state == "active":
        return
    if state == "suspended":
        send(registry, registry.issuer, "suspend", token_id, int(Reason.OTHER))
    elif state == "revoked":
        registry.client.revoke(registry.issuer, token_id, Reason.ISSUED_IN_ERROR)
    elif state == "superseded":
        send(
            registry, registry.issuer, "supersede", token_id, new_digest(), registry.learner.address
        )
    elif state == "burned":
        send(registry, registry.learner, "burn", token_id)
    else:
        raise ValueError(state)


def spare_signer(registry: Registry, index: int = 0) -> Transactor:
    """A funded Anvil account that no role uses (the roles take the first six)."""
    return Transactor(
        registry.w3, Account.from_key(DEV_ACCOUNTS[6 + index]), registry.client.decoder
    )
