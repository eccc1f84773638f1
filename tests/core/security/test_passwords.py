from __future__ import annotations

from argon2 import PasswordHasher

from core.security.passwords import hash_password, use_hasher, verify_password


def test_hash_is_argon2id_salted_and_verifies():
    first, second = hash_password("s3cret"), hash_password("s3cret")
    assert first.startswith("$argon2id$") and first != second
    assert verify_password(first, "s3cret") == (True, None)
    assert verify_password(first, "wrong") == (False, None)


def test_empty_or_malformed_hashes_never_verify():
    assert verify_password(None, "x") == (False, None)
    assert verify_password("", "x") == (False, None)
    assert verify_password("not-a-hash", "x") == (False, None)
    assert verify_password(hash_password("x"), "") == (False, None)


def test_hash_with_other_parameters_is_upgraded_on_success():
    old = PasswordHasher(time_cost=1, memory_cost=512, parallelism=1).hash("s3cret")
    ok, new_hash = verify_password(old, "s3cret")
    assert ok and new_hash is not None and new_hash != old
    assert verify_password(new_hash, "s3cret") == (True, None)


def test_use_hasher_returns_the_previous_one():
    replacement = PasswordHasher(time_cost=1, memory_cost=2048, parallelism=1)
    previous = use_hasher(replacement)
    try:
        assert "m=2048" in hash_password("x")
    finally:
        assert use_hasher(previous) is replacement
