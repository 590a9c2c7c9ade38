"""The ``digest`` and ``export`` commands (called directly, and once as a module)."""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from chaincred.cli_documents import BAD_INPUT, main

from .factories import DATA, load_expected

VECTOR = DATA / "cmf-5ects-eqf6.json"


def test_digest_prints_digest_cid_and_token_uri(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["digest", str(VECTOR)]) == 0
    expected = load_expected("cmf-5ects-eqf6")
    assert capsys.readouterr().out.splitlines() == [
        f"digest     {expected['digest']}",
        f"cid        {expected['cid']}",
        f"token_uri  {expected['token_uri']}",
    ]


def test_digest_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["digest", str(VECTOR), "--json"]) == 0
    expected = load_expected("cmf-5ects-eqf6")
    assert json.loads(capsys.readouterr().out) == {
        k: expected[k] for k in ("digest", "cid", "token_uri")
    }


def test_digest_reads_standard_input(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    stdin = io.TextIOWrapper(io.BytesIO(VECTOR.read_bytes()))
    monkeypatch.setattr(sys, "stdin", stdin)
    assert main(["digest", "-", "--json"]) == 0
    assert (
        json.loads(capsys.readouterr().out)["digest"] == load_expected("cmf-5ects-eqf6")["digest"]
    )


def _export(fmt: str, capfdbinary: pytest.CaptureFixture[bytes]) -> bytes:
    assert main(["export", str(VECTOR), "--format", fmt]) == 0
    return capfdbinary.readouterr().out


def test_export_erc721_writes_the_exact_metadata_block(
    capfdbinary: pytest.CaptureFixture[bytes],
) -> None:
    out = _export("erc721", capfdbinary)
    expected = load_expected("cmf-5ects-eqf6")
    assert out.hex() == expected["canonical_public_part_hex"]
    assert "0x" + hashlib.sha256(out).hexdigest() == expected["digest"]


def test_export_svg_writes_the_badge(capfdbinary: pytest.CaptureFixture[bytes]) -> None:
    out = _export("svg", capfdbinary)
    assert out.startswith(b"<svg ")
    assert (
        "0x" + hashlib.sha256(out).hexdigest()
        == load_expected("cmf-5ects-eqf6")["image"]["svg_sha256"]
    )


def test_export_ob3_writes_an_open_badge_credential(
    capfdbinary: pytest.CaptureFixture[bytes],
) -> None:
    credential = json.loads(_export("ob3", capfdbinary))
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]


def _fails(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    assert main(argv) == BAD_INPUT
    captured = capsys.readouterr()
    assert captured.out == ""
    return captured.err


def test_missing_file_is_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    err = _fails(["digest", str(tmp_path / "absent.json")], capsys)
    assert err.startswith("chaincred digest: cannot read ")
    assert "No such file or directory" in err


def test_malformed_json_names_line_and_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{\n  "public": {,\n}')
    err = _fails(["export", str(bad), "--format", "ob3"], capsys)
    assert "malformed JSON at line 2, column 14" in err


def test_invalid_document_names_the_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = json.loads(VECTOR.read_text())
    document["public"]["achievement"]["ects"] = 0
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(document))
    err = _fails(["digest", str(bad)], capsys)
    assert "invalid credential document:\n  public.achievement.ects: Input should be greater" in err


def test_long_problem_lists_are_shortened(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({f"x{i}": i for i in range(9)}))
    err = _fails(["digest", str(bad)], capsys)
    assert err.count("\n  ") == 6
    assert "... and 7 more problems" in err


def test_a_json_array_is_not_a_document(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("[]")
    assert "a credential document is a JSON object" in _fails(["digest", str(bad)], capsys)


def test_unknown_export_format_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["export", str(VECTOR), "--format", "pdf"])
    assert caught.value.code == 2
    assert "invalid choice: 'pdf'" in capsys.readouterr().err


def test_runs_stand_alone_as_a_module() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "chaincred.cli_documents", "digest", str(VECTOR), "--json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["token_uri"] == load_expected("cmf-5ects-eqf6")["token_uri"]
