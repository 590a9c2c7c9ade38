"""chaincred: micro-credentials as soulbound ERC-721 tokens, verifiable against the chain alone."""

__all__ = ["__version__"]

__version__ = "0.1.0"
