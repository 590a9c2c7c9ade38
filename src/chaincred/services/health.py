"""Is the issuer service able to do its job? Chain, database, pinning and signer, each
reported on its own with ``ok`` and what was seen (or the error)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from chaincred.errors import ChainCredError
from chaincred.ports import MetadataStore, RegistryReader
from chaincred.ports.issuer import BalanceReader, IssuerRepository

__all__ = ["LOW_BALANCE_WEI", "Check", "check_health"]

#: Below this a signer is reported ``low`` (still ok): about one large batch at 10 gwei.
LOW_BALANCE_WEI = 10**17


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    details: dict[str, Any] = field(default_factory=dict)


def check_health(
    *,
    chain: RegistryReader,
    repo: IssuerRepository,
    store: MetadataStore,
    balances: BalanceReader,
    signer: str | None,
) -> list[Check]:
    """One check per component; none raises (a failure is a check that is not ok)."""
    return [
        _chain(chain),
        _guarded("database", lambda: {"engine": repo.ping()}),
        _guarded("pinning", lambda: {"store": store.health()}),
        _signer(balances, signer),
    ]


def _chain(chain: RegistryReader) -> Check:
    def probe() -> dict[str, Any]:
        chain_id, head = chain.chain_head()
        if not chain.has_code(head):
            raise _Unhealthy(f"no contract code at {chain.contract} (chain {chain_id})")
        return {"chain_id": chain_id, "block": head.number, "contract": chain.contract}

    return _guarded("chain", probe)


def _signer(balances: BalanceReader, signer: str | None) -> Check:
    if signer is None:
        return Check("signer", False, {"error": "no signing key is configured"})

    def probe() -> dict[str, Any]:
        balance = balances.balance(signer)
        if balance == 0:
            raise _Unhealthy(f"the signer {signer} has no funds")
        return {"address": signer, "balance_wei": str(balance), "low": balance < LOW_BALANCE_WEI}

    return _guarded("signer", probe)


class _Unhealthy(ChainCredError):
    pass


def _guarded(name: str, probe: Callable[[], dict[str, Any]]) -> Check:
    try:
        return Check(name, True, probe())
    except ChainCredError as exc:
        return Check(name, False, {"error": str(exc)})
