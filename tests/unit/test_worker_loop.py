"""The single-process worker's indexing step (``cli_worker._WhenIdle``): it runs between signer
rounds that had nothing to do, and at the latest every ``at_most`` seconds."""

from __future__ import annotations

from chaincred.cli_worker import _WhenIdle


def test_the_indexer_waits_while_the_signer_is_busy_but_never_starves() -> None:
    now, busy, runs = [0.0], [False], []
    step = _WhenIdle(
        lambda: runs.append(now[0]) is None,
        signer_busy=lambda: busy[0],
        every=5.0,
        at_most=60.0,
        clock=lambda: now[0],
    )
    assert step() and runs == [0.0]  # first call: runs
    now[0] = 3.0
    assert not step()  # not due yet
    busy[0] = True
    for t in (10.0, 30.0, 59.0):
        now[0] = t
        assert not step()  # due, but the signer is busy
    now[0] = 61.0
    assert step()  # a minute without indexing: runs anyway
    busy[0] = False
    now[0] = 66.0
    assert step() and runs == [0.0, 61.0, 66.0]
