"""Order codes (alphabet, banlist, test-mode marker, growth after collisions) and batch-unique tokens."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from core.db import scope
from core.i18n import I18nString
from core.models import Item, Order, OrderPosition, Organizer, SalesChannel
from core.models.tokens import PSEUDONYMIZATION_ALPHABET
from core.services import codes
from core.services.codes import (
    ORDER_CODE_CHARSET,
    CodeSpaceExhausted,
    assign_order_code,
    assign_pseudonymization_ids,
    is_banned,
    is_testmode_code,
    normalize_order_code,
    order_code_candidates,
    random_order_code,
    unique_code,
    unique_tokens,
)


def test_order_code_alphabet_and_length() -> None:
    for _ in range(200):
        code = random_order_code()
        assert len(code) == 5
        assert set(code) <= set(ORDER_CODE_CHARSET)
        assert not is_testmode_code(code)
        assert not is_banned(code)
    assert not set(ORDER_CODE_CHARSET) & set("0125468OI")


def test_testmode_marker_is_the_second_character() -> None:
    for _ in range(50):
        code = random_order_code(testmode=True)
        assert len(code) == 5 and code[1] == "0" and is_testmode_code(code)
        assert set(code[:1] + code[2:]) <= set(ORDER_CODE_CHARSET)
    assert len(random_order_code(7, testmode=True)) == 7
    with pytest.raises(ValueError, match="at least 2"):
        random_order_code(1)


def test_banned_words_are_skipped(monkeypatch: pytest.MonkeyPatch) -> None:
    drawn = iter(["FUCKA", "XASSY", "KXSSX", "ABCDE"])
    monkeypatch.setattr(codes, "random_token", lambda charset, length: next(drawn))
    assert random_order_code() == "ABCDE"


def test_unique_code_checks_one_batch_per_query() -> None:
    calls: list[list[str]] = []
    counter = iter(range(10_000))

    def taken(candidates: Sequence[str]) -> set[str]:
        calls.append(list(candidates))
        return {"00000", "00001"} & set(candidates)

    assert unique_code(lambda length: f"{next(counter):0{length}d}", taken) == "00002"
    assert len(calls) == 1 and len(calls[0]) == 20


def test_length_grows_after_twenty_collisions() -> None:
    calls: list[list[str]] = []
    counter = iter(range(10_000))

    def generate(length: int) -> str:
        return f"{next(counter):0{length}d}"

    def taken(candidates: Sequence[str]) -> set[str]:
        calls.append(list(candidates))
        return {c for c in candidates if len(c) < 7}

    code = unique_code(generate, taken)
    assert len(code) == 7
    assert [len(batch) for batch in calls] == [20, 20, 20]
    assert [len(batch[0]) for batch in calls] == [5, 6, 7]


def test_a_single_free_code_in_the_batch_is_found() -> None:
    counter = iter(range(10_000))

    def taken(candidates: Sequence[str]) -> set[str]:
        return set(candidates[:-1])

    code = unique_code(lambda length: f"{next(counter):05d}", taken)
    assert code == "00019"


def test_no_free_code_at_all_raises() -> None:
    counter = iter(range(100_000))
    with pytest.raises(CodeSpaceExhausted):
        unique_code(lambda length: f"{next(counter):0{length}d}", lambda candidates: set(candidates), max_length=6)


def test_unique_tokens_replace_only_collisions() -> None:
    pool = iter(["a", "b", "c", "d", "e", "f"])
    calls: list[list[str]] = []

    def taken(candidates: Sequence[str]) -> set[str]:
        calls.append(list(candidates))
        return {"b", "c"} & set(candidates)

    assert unique_tokens(3, lambda: next(pool), taken) == ["a", "d", "e"]
    assert calls == [["a", "b", "c"], ["d", "e"]]
    assert unique_tokens(0, lambda: next(pool), taken) == []


def test_unique_tokens_give_up() -> None:
    with pytest.raises(CodeSpaceExhausted, match="still collide"):
        unique_tokens(2, iter(str(n) for n in range(1000)).__next__, lambda candidates: set(candidates), max_rounds=3)


@pytest.mark.parametrize(("typed", "expected"), [
    (" abc7z ", ["ABC7Z"]),
    ("a2c45", ["AZCAS"]),
    ("6bcde", ["GBCDE"]),
    ("A8CDE", ["A8CDE", "ABCDE"]),
    ("x0y3z", ["X0Y3Z"]),
])
def test_typed_codes_are_normalised(typed: str, expected: list[str]) -> None:
    assert order_code_candidates(typed) == expected
    assert normalize_order_code(typed) == expected[0]


# -- against the database


def _order(session: Session, event: Any, channel: SalesChannel, code: str) -> Order:
    order = Order(event=event, code=code, expires=datetime(2030, 1, 1, tzinfo=UTC), sales_channel=channel)
    session.add(order)
    return order


@pytest.fixture
def channel(db_session: Session, organizer: Organizer) -> SalesChannel:
    web = SalesChannel(organizer_id=organizer.id, label=I18nString({"en": "Shop"}), identifier="web", type="web")
    db_session.add(web)
    db_session.flush()
    return web


def count_selects(session: Session) -> list[str]:
    statements: list[str] = []

    @sa_event.listens_for(session.get_bind(), "before_cursor_execute")
    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            statements.append(statement)

    return statements


def test_assign_order_code_avoids_taken_codes(
    db_session: Session, event: Any, channel: SalesChannel, monkeypatch: pytest.MonkeyPatch
) -> None:
    with scope(event.organizer_id):
        _order(db_session, event, channel, "ABCDE")
        db_session.flush()
    drawn = iter(["ABCDE", "FGHJK"] + [f"Q{n:04d}" for n in range(18)])
    monkeypatch.setattr(codes, "random_order_code", lambda length, testmode=False: next(drawn))
    statements = count_selects(db_session)
    assert assign_order_code(db_session, event.organizer_id) == "FGHJK"
    assert len(statements) == 1


def test_assign_order_code_is_per_organizer(
    db_session: Session, event: Any, channel: SalesChannel, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = Organizer(slug="other", name="Other")
    db_session.add(other)
    with scope(event.organizer_id):
        _order(db_session, event, channel, "ABCDE")
        db_session.flush()
    monkeypatch.setattr(codes, "random_order_code", lambda length, testmode=False: "ABCDE")
    db_session.flush()
    assert assign_order_code(db_session, other.id) == "ABCDE"


def test_assign_order_code_grows_when_all_five_letter_codes_collide(
    db_session: Session, event: Any, channel: SalesChannel, monkeypatch: pytest.MonkeyPatch
) -> None:
    with scope(event.organizer_id):
        _order(db_session, event, channel, "ABCDE")
        db_session.flush()
    monkeypatch.setattr(codes, "random_order_code", lambda length, testmode=False: "ABCDEFG"[:length])
    statements = count_selects(db_session)
    assert assign_order_code(db_session, event.organizer_id) == "ABCDEF"
    assert len(statements) == 2


def test_real_test_mode_code(db_session: Session, event: Any, channel: SalesChannel) -> None:
    code = assign_order_code(db_session, event.organizer_id, testmode=True)
    assert is_testmode_code(code)


def test_pseudonymization_ids_are_unique_platform_wide(
    db_session: Session, event: Any, channel: SalesChannel, monkeypatch: pytest.MonkeyPatch
) -> None:
    with scope(event.organizer_id):
        item = Item(event=event, name=I18nString({"en": "Ticket"}), default_price=Decimal("10"))
        order = _order(db_session, event, channel, "ABCDE")
        db_session.add(OrderPosition(order=order, positionid=1, item=item, price=Decimal("10"),
                                     pseudonymization_id="TAKEN00001"))
        db_session.flush()
    pool = iter(["TAKEN00001", "FREE000001", "FREE000002"])
    monkeypatch.setattr(codes, "pseudonymization_id", lambda: next(pool))
    statements = count_selects(db_session)
    assert assign_pseudonymization_ids(db_session, 2) == ["FREE000001", "FREE000002"]
    assert len(statements) == 2


def test_real_pseudonymization_ids(db_session: Session) -> None:
    ids = assign_pseudonymization_ids(db_session, 50)
    assert len(set(ids)) == 50
    assert all(len(i) == 10 and set(i) <= set(PSEUDONYMIZATION_ALPHABET) for i in ids)
