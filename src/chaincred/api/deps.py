"""Wiring: the one place (with the CLI) where adapters are built from settings."""

from __future__ import annotations

import json
from dataclasses import dataclass

from eth_account import Account
from eth_account.signers.local import LocalAccount
from fastapi import Request

from chaincred.adapters.chain.reader import RpcReader
from chaincred.adapters.memory import MemoryNonceStore
from chaincred.errors import ConfigurationError
from chaincred.settings import Settings
from chaincred.toolchain.anvil import DEV_ACCOUNTS

__all__ = ["VerifierContext", "build_verifier", "verifier"]

#: Anvil's last well-known account signs receipts in local mode (never in production).
_DEV_RECEIPT_KEY = DEV_ACCOUNTS[9]


@dataclass
class VerifierContext:
    settings: Settings
    reader: RpcReader
    nonces: MemoryNonceStore
    receipt_key: LocalAccount | None

    def close(self) -> None:
        self.reader.close()

    def require_receipt_key(self) -> LocalAccount:
        if self.receipt_key is None:
            raise ConfigurationError(
                "this verifier has no receipt key: set CHAINCRED_VERIFIER_KEYSTORE (and its "
                "password), or CHAINCRED_VERIFIER_DEV_KEY=true in local mode"
            )
        return self.receipt_key


def build_verifier(settings: Settings) -> VerifierContext:
    reader = RpcReader(settings.rpc_url, settings.contract, timeout=settings.rpc_timeout)
    return VerifierContext(
        settings=settings,
        reader=reader,
        nonces=MemoryNonceStore(ttl=settings.nonce_ttl),
        receipt_key=_receipt_key(settings),
    )


def _receipt_key(settings: Settings) -> LocalAccount | None:
    if settings.verifier_keystore is not None:
        password = settings.verifier_keystore_password
        assert password is not None  # Settings.check() insists
        try:
            encrypted = json.loads(settings.verifier_keystore.read_text("utf-8"))
            key = Account.decrypt(encrypted, password.get_secret_value())
        except (OSError, ValueError) as exc:
            raise ConfigurationError(
                f"CHAINCRED_VERIFIER_KEYSTORE {settings.verifier_keystore} cannot be opened: "
                f"{type(exc).__name__}"
            ) from None
        account: LocalAccount = Account.from_key(key)
        return account
    if settings.verifier_dev_key:
        dev: LocalAccount = Account.from_key(_DEV_RECEIPT_KEY)
        return dev
    return None


def verifier(request: Request) -> VerifierContext:
    """FastAPI dependency: the verifier context of this app."""
    context: VerifierContext = request.app.state.verifier
    return context
