"""Salted claim commitments: the exact definition, and the salt rules."""

from __future__ import annotations

import hashlib
import itertools

import pytest

from chaincred.domain import (
    CLAIM_NAMES,
    SALT_BYTES,
    PersonalClaims,
    SaltError,
    claim_preimage,
    commit,
    random_salt,
)
from chaincred.domain.claims import draw_salts

from .factories import issue


def test_commitment_is_sha256_of_salt_then_canonical_name_value_array() -> None:
    salt = bytes(range(16))
    preimage = b'["name","Ada Lovelace"]'
    assert claim_preimage("name", "Ada Lovelace") == preimage
    assert commit("name", "Ada Lovelace", salt) == hashlib.sha256(salt + preimage).digest()


def test_preimage_is_rfc8785_so_non_ascii_is_raw_utf8() -> None:
    assert claim_preimage("name", "Zoë") == b'["name","Zo\xc3\xab"]'


def test_the_name_binds_the_value_to_its_field() -> None:
    salt = bytes(16)
    assert commit("name", "s1234567", salt) != commit("student_id", "s1234567", salt)


@pytest.mark.parametrize("size", [0, 15, 17, 32])
def test_commit_refuses_salts_that_are_not_16_bytes(size: int) -> None:
    with pytest.raises(SaltError, match=f"a salt is 16 bytes, got {size}"):
        commit("name", "Ada", bytes(size))


def test_draw_salts_refuses_a_repeated_salt() -> None:
    with pytest.raises(SaltError, match=r"the same salt twice \(for 'student_id'\)"):
        draw_salts(["name", "student_id"], lambda: bytes(16))


def test_draw_salts_refuses_a_short_salt() -> None:
    with pytest.raises(SaltError, match="a salt is 16 bytes"):
        draw_salts(["name"], lambda: b"short")


def test_issuance_refuses_a_broken_salt_source() -> None:
    with pytest.raises(SaltError):
        issue(salt_source=lambda: bytes(16))


def test_default_salts_are_fresh_128_bit_values() -> None:
    salts = [random_salt() for _ in range(500)]
    assert {len(s) for s in salts} == {SALT_BYTES}
    assert len(set(salts)) == len(salts)


def test_each_claim_gets_the_salt_drawn_for_it_in_vocabulary_order() -> None:
    drawn = itertools.count(1)
    document = issue(
        claims={"date_of_birth": "2001-04-13", "name": "Ada"},
        salt_source=lambda: bytes([next(drawn)]) * 16,
    )
    assert document.claims["name"].salt == "0x" + "01" * 16
    assert document.claims["date_of_birth"].salt == "0x" + "02" * 16


def test_claim_vocabulary_is_the_personal_claims_model() -> None:
    assert tuple(PersonalClaims.model_fields) == CLAIM_NAMES
