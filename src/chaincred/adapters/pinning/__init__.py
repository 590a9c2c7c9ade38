"""Metadata stores (the ``MetadataStore`` port): the built-in content-addressed folder (the
embedded default), Kubo's RPC API and the IPFS Pinning Service API (production).

Every CID a store returns is recomputed locally with :func:`chaincred.domain.cid_of_bytes`;
a mismatch raises :class:`chaincred.errors.PinningError`. See docs/pinning.md.
"""

from chaincred.adapters.pinning.builtin import BuiltinStore
from chaincred.adapters.pinning.kubo import KuboStore
from chaincred.adapters.pinning.pinning_service import PinningServiceStore

__all__ = ["BuiltinStore", "KuboStore", "PinningServiceStore"]
