"""In-process adapters: the nonce store (single process), and fakes for fast unit tests."""

from chaincred.adapters.memory.metadata import MemoryMetadataStore
from chaincred.adapters.memory.nonces import MemoryNonceStore

__all__ = ["MemoryMetadataStore", "MemoryNonceStore"]
