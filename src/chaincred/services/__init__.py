"""Use cases (issue, revoke, supersede, verify, stack): ports in, domain values out; no I/O of
their own."""
