"""The one settings model: every field documented, read from ``CHAINCRED_*`` variables.

Read through :func:`load_settings` (no module-level instance). Misconfiguration fails at
start-up with a message that names the variable to fix.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from chaincred.errors import ConfigurationError

__all__ = ["Settings", "load_settings"]


class Settings(BaseSettings):
    """chaincred's configuration. Each field is the variable ``CHAINCRED_<FIELD>``."""

    model_config = SettingsConfigDict(env_prefix="CHAINCRED_", extra="forbid", frozen=True)

    mode: Literal["local", "production"] = Field(
        "local", description="local: development defaults (Anvil keys) are allowed"
    )
    rpc_url: str = Field(description="Ethereum JSON-RPC URL of the chain the registry lives on")
    contract: str = Field(description="address of the trusted ChainCred registry")
    confirmations: int = Field(
        1, ge=1, description="blocks a state must be buried under before it counts (1: the head)"
    )
    rpc_timeout: float = Field(5.0, gt=0, description="seconds before an RPC read gives up")
    public_url: str = Field(
        "http://127.0.0.1:8000", description="where this service is reached (possession messages)"
    )
    verifier_keystore: Path | None = Field(
        None, description="encrypted JSON keystore of the key that signs verification receipts"
    )
    verifier_keystore_password: SecretStr | None = Field(
        None, description="password of verifier_keystore (never logged)"
    )
    verifier_dev_key: bool = Field(
        False, description="local mode only: sign receipts with a well-known Anvil account"
    )
    nonce_ttl: float = Field(300.0, gt=0, description="seconds a possession challenge stays valid")
    chain_id: int | None = Field(
        None, description="expected chain id; checked against the node at start-up when set"
    )
    check_contract_code: bool = Field(
        True,
        description="at start-up, refuse a contract whose runtime code is not this version's "
        "ChainCred (off: serve a registry deployed by another chaincred version)",
    )

    # ---- the issuer service (issue 3)
    data_dir: Path = Field(Path(".chaincred"), description="SQLite file, pinned files, local.env")
    database_url: str | None = Field(
        None,
        description="SQLAlchemy URL; default: a SQLite file in data_dir (PostgreSQL in production)",
    )
    admin_key: SecretStr | None = Field(
        None, description="bearer key of the administrator (creates institutions and API keys)"
    )
    signer_keystore: Path | None = Field(
        None, description="encrypted JSON keystore of the account that sends issuing transactions"
    )
    signer_keystore_password: SecretStr | None = Field(
        None, description="its password (never logged)"
    )
    signer_dev_key: bool = Field(
        False, description="local mode only: send with a well-known Anvil account"
    )
    pinning: Literal["builtin", "kubo", "pinning-service"] = Field(
        "builtin", description="where public metadata and badge images are pinned"
    )
    kubo_url: str | None = Field(None, description="Kubo RPC API URL (pinning=kubo)")
    pinning_service_url: str | None = Field(None, description="IPFS Pinning Service API endpoint")
    pinning_service_token: SecretStr | None = Field(None, description="its bearer token")
    batch_size: int = Field(
        300, ge=1, le=329, description="most mints per mintBatch (329 fit the 2^24 gas cap)"
    )
    batch_interval: float = Field(
        1.0, gt=0, description="seconds the signer waits to fill a batch before sending it"
    )

    @property
    def database(self) -> str:
        """The database URL in effect."""
        return self.database_url or f"sqlite:///{self.data_dir / 'chaincred.db'}"

    @field_validator("contract")
    @classmethod
    def _address(cls, value: str) -> str:
        from eth_utils.address import is_address, to_checksum_address

        if not is_address(value):
            raise ValueError("must be a 0x-prefixed 20-byte address")
        return str(to_checksum_address(value))

    def check(self) -> Settings:
        """Cross-field rules; returns self so that ``load_settings`` can chain it."""
        if self.mode == "production":
            for flag, instead in (
                ("verifier_dev_key", "CHAINCRED_VERIFIER_KEYSTORE"),
                ("signer_dev_key", "CHAINCRED_SIGNER_KEYSTORE"),
            ):
                if getattr(self, flag):
                    raise ConfigurationError(
                        f"CHAINCRED_{flag.upper()} is a development placeholder: configure "
                        f"{instead} in production"
                    )
        for keystore in ("verifier_keystore", "signer_keystore"):
            if (
                getattr(self, keystore) is not None
                and getattr(self, f"{keystore}_password") is None
            ):
                raise ConfigurationError(
                    f"CHAINCRED_{keystore.upper()} needs CHAINCRED_{keystore.upper()}_PASSWORD"
                )
        needs = {
            "kubo": ("kubo_url",),
            "pinning-service": ("pinning_service_url", "pinning_service_token"),
        }
        for name in needs.get(self.pinning, ()):
            if getattr(self, name) is None:
                raise ConfigurationError(
                    f"CHAINCRED_PINNING={self.pinning} needs CHAINCRED_{name.upper()}"
                )
        return self


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment, with ``overrides`` taking precedence."""
    try:
        settings = Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = "; ".join(
            f"CHAINCRED_{'_'.join(str(p) for p in e['loc']).upper()}: {e['msg']}"
            for e in exc.errors()
        )
        raise ConfigurationError(f"invalid settings: {problems}") from None
    return settings.check()
