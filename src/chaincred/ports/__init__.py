"""The ports: what the services need from the outside world, as Protocols.

Adapters implement them; services take them as keyword-only arguments. Each port's
conformance suite runs against the fake and the real adapter (tests/adapters/). One module per
area; this package re-exports them all.
"""

from chaincred.ports.verification import MetadataStore, NonceStore, RegistryReader

__all__ = ["MetadataStore", "NonceStore", "RegistryReader"]
