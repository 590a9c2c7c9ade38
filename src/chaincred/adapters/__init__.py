"""Adapters: one module per external system (chain, pinning, database)."""
