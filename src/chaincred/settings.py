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

    @field_validator("contract")
    @classmethod
    def _address(cls, value: str) -> str:
        from eth_utils.address import is_address, to_checksum_address

        if not is_address(value):
            raise ValueError("must be a 0x-prefixed 20-byte address")
        return str(to_checksum_address(value))

    def check(self) -> Settings:
        """Cross-field rules; returns self so that ``load_settings`` can chain it."""
        if self.mode == "production" and self.verifier_dev_key:
            raise ConfigurationError(
                "CHAINCRED_VERIFIER_DEV_KEY is a development placeholder: configure "
                "CHAINCRED_VERIFIER_KEYSTORE in production"
            )
        if self.verifier_keystore is not None and self.verifier_keystore_password is None:
            raise ConfigurationError(
                "CHAINCRED_VERIFIER_KEYSTORE needs CHAINCRED_VERIFIER_KEYSTORE_PASSWORD"
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
