"""The Helia fixture refuses to run quietly without its npm packages: CI must fail, not skip."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.adapters.pinning import ipfs_node


def test_a_missing_helia_names_npm_ci(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(ipfs_node, "REPO", tmp_path)
    with pytest.raises(ipfs_node.IpfsNodeMissing, match="npm ci"):
        ipfs_node.IpfsNode().start()


def test_an_old_node_without_the_pinned_one_names_npm_ci(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    old_node = tmp_path / "bin" / "node"
    old_node.parent.mkdir()
    old_node.write_text("#!/bin/sh\necho v20.20.2\n")
    old_node.chmod(0o755)
    monkeypatch.setattr(ipfs_node, "REPO", tmp_path)
    monkeypatch.setenv("PATH", str(old_node.parent))
    with pytest.raises(ipfs_node.IpfsNodeMissing, match=r"Node >= 22 .*npm ci"):
        ipfs_node.find_node()
