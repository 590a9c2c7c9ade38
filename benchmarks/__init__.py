"""chaincred's benchmarks; each module is a script (see benchmarks/README.md)."""
