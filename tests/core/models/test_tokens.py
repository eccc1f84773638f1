"""Random tokens: length, alphabet, an unbiased choice of characters, refused arguments."""

from __future__ import annotations

from collections import Counter

import pytest

from core.models.tokens import LOWER_ALNUM, TICKET_SECRET_ALPHABET, random_token


@pytest.mark.parametrize("alphabet", [LOWER_ALNUM, TICKET_SECRET_ALPHABET, "AB", "X"])
@pytest.mark.parametrize("length", [1, 16, 100])
def test_token_has_the_length_and_only_characters_of_the_alphabet(alphabet: str, length: int) -> None:
    token = random_token(alphabet, length)
    assert len(token) == length
    assert set(token) <= set(alphabet)


def test_every_character_is_about_equally_likely() -> None:
    # 36 does not divide 256: without dropping the bytes >= 252, "0".."3" would come 8/7 as often as the rest
    alphabet = LOWER_ALNUM
    counts = Counter(random_token(alphabet, 36_000))
    assert set(counts) == set(alphabet)
    expected = 1_000
    assert all(abs(count - expected) < 200 for count in counts.values()), counts
    low = sum(counts[c] for c in "0123")
    assert abs(low - 4 * expected) < 400


def test_tokens_differ() -> None:
    assert len({random_token(LOWER_ALNUM, 16) for _ in range(1_000)}) == 1_000


@pytest.mark.parametrize(("alphabet", "length"), [("", 5), ("ab", 0), ("x" * 257, 3)])
def test_bad_arguments_are_refused(alphabet: str, length: int) -> None:
    with pytest.raises(ValueError, match="random_token needs"):
        random_token(alphabet, length)
