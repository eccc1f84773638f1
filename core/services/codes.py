"""Order codes and the other random tokens of orders and positions, generated without collisions.

**Order codes** are what customers quote on the phone and in bank transfers, so they are short and
unambiguous: :data:`ORDER_CODE_LENGTH` (5) characters of :data:`ORDER_CODE_CHARSET`, which has no
``0``/``O``, ``1``/``I``, ``2``/``Z``, ``4``/``A``, ``5``/``S``, ``6``/``G`` or ``8``/``B`` pairs to mix up.
Codes are unique per organizer (the ``orders`` table has a unique constraint on
``(organizer_id, code)``) and never contain a word of :data:`ORDER_CODE_BANLIST`.

*Test mode.* An order placed in test mode gets ``0`` as its **second** character. ``0`` is not in the
charset, so a test order is recognisable at a glance and its code can never equal a live one. The
marker replaces the second character; the code keeps its length.

*Collisions.* Codes are drawn in batches of :data:`COLLISION_BATCH` (20) distinct candidates and the
taken ones are found with **one** query per batch. If all 20 are taken, the length grows by one and a
new batch is drawn. Two transactions may still pick the same free code at the same moment; the unique
constraint turns that into an ``IntegrityError`` (:func:`is_order_code_collision` tells it apart) and the
caller retries its insert. Order placement skips the query: it inserts a random code at once and only
after such a collision (rare while an organizer has far fewer orders than the 14 million 5-character codes)
takes a checked one.

**Other tokens** (all drawn with the ``secrets`` module):

* order ``secret`` and position ``web_secret``: 16 characters of ``a-z0-9``, part of the customer's
  links (:mod:`core.models.tokens` makes them; the models use them as column defaults);
* position ``pseudonymization_id``: 10 characters of ``ABCDEFGHJKLMNPQRSTUVWXYZ3789``, unique on the
  whole platform (:func:`assign_pseudonymization_ids`), printed on badges for lead scanning.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.db import scope, scopes_disabled
from core.models.tokens import pseudonymization_id, random_token

ORDER_CODE_CHARSET = "ABCDEFGHJKLMNPQRSTUVWXYZ379"
ORDER_CODE_LENGTH = 5
#: The ``orders.code`` column is this long; codes never grow beyond it.
ORDER_CODE_MAX_LENGTH = 16
#: Second character of every test-mode order code (never drawn from the charset).
TESTMODE_MARKER = "0"
#: Substrings an order code must not contain.
ORDER_CODE_BANLIST = ("ASS", "CUNT", "FAG", "FUCK", "KKK", "NAZ", "NGR", "SEX", "SS", "XXX")
#: Candidates drawn (and checked in one query) per round; a full round of collisions grows the length.
COLLISION_BATCH = 20

#: Look-up normalisation of typed order codes: digits read for letters the charset lacks.
_NORMALIZE = str.maketrans({"2": "Z", "4": "A", "5": "S", "6": "G"})
#: Applied only as a second try when the normalised code is not found.
_FALLBACK = str.maketrans({"8": "B"})

Taken = Callable[[Sequence[str]], Collection[str]]


class CodeSpaceExhausted(RuntimeError):
    """No free code was found up to the maximum length (only possible with a broken ``taken`` check)."""


def is_banned(code: str) -> bool:
    """Whether ``code`` contains a word of :data:`ORDER_CODE_BANLIST`."""
    return any(word in code for word in ORDER_CODE_BANLIST)


def random_order_code(length: int = ORDER_CODE_LENGTH, *, testmode: bool = False) -> str:
    """One order code candidate of ``length`` characters without banned words (uniqueness not checked)."""
    if length < 2:
        raise ValueError(f"order codes have at least 2 characters, not {length}")
    while True:
        code = random_token(ORDER_CODE_CHARSET, length)
        if testmode:
            code = code[0] + TESTMODE_MARKER + code[2:]
        if not is_banned(code):
            return code


def is_testmode_code(code: str) -> bool:
    """Whether ``code`` carries the test-mode marker."""
    return len(code) > 1 and code[1] == TESTMODE_MARKER


def unique_code(
    generate: Callable[[int], str],
    taken: Taken,
    *,
    length: int = ORDER_CODE_LENGTH,
    max_length: int = ORDER_CODE_MAX_LENGTH,
    batch: int = COLLISION_BATCH,
) -> str:
    """A code from ``generate(length)`` that ``taken`` does not report, growing the length after a full batch.

    ``taken(candidates)`` returns the subset already in use; it is called once per batch of ``batch``
    distinct candidates. When all of them are taken the length grows by one, up to ``max_length``.
    """
    while length <= max_length:
        candidates: list[str] = []
        for _attempt in range(batch * 10):
            code = generate(length)
            if code not in candidates:
                candidates.append(code)
            if len(candidates) == batch:
                break
        used = set(taken(candidates))
        for code in candidates:
            if code not in used:
                return code
        length += 1
    raise CodeSpaceExhausted(f"no free code up to {max_length} characters")


def unique_tokens(count: int, generate: Callable[[], str], taken: Taken, *, max_rounds: int = 10) -> list[str]:
    """``count`` distinct tokens from ``generate()`` that ``taken`` does not report.

    The first round checks all ``count`` candidates with one ``taken`` call; later rounds only replace
    the colliding ones (one call each).
    """
    tokens: list[str] = []
    pending = count
    for _round in range(max_rounds):
        if pending == 0:
            return tokens
        candidates: list[str] = []
        while len(candidates) < pending:
            token = generate()
            if token not in candidates and token not in tokens:
                candidates.append(token)
        used = set(taken(candidates))
        tokens.extend(token for token in candidates if token not in used)
        pending = count - len(tokens)
    if pending:
        raise CodeSpaceExhausted(f"{pending} of {count} tokens still collide after {max_rounds} rounds")
    return tokens


def normalize_order_code(code: str) -> str:
    """A typed order code as stored: trimmed, upper case, ``2 4 5 6`` read as ``Z A S G``."""
    return code.strip().upper().translate(_NORMALIZE)


def order_code_candidates(code: str) -> list[str]:
    """Codes to look up for user input ``code``: the normalised one, then the ``8`` -> ``B`` fallback."""
    first = normalize_order_code(code)
    second = first.translate(_FALLBACK)
    return [first] if second == first else [first, second]


def _order_model() -> Any:
    from core.models import Order

    return Order


def _position_model() -> Any:
    from core.models import OrderPosition

    return OrderPosition


def assign_order_code(session: Session, organizer_id: int, *, testmode: bool = False) -> str:
    """A free order code of organizer ``organizer_id`` (one ``SELECT`` per batch of 20 candidates).

    The caller stores it in ``Order.code`` in the same transaction; see the module docstring for
    concurrent inserts.
    """
    order = _order_model()

    def taken(candidates: Sequence[str]) -> list[str]:
        with scope(organizer_id):
            return list(session.scalars(
                select(order.code).where(order.organizer_id == organizer_id, order.code.in_(candidates))
            ))

    return unique_code(lambda length: random_order_code(length, testmode=testmode), taken)


def is_order_code_collision(error: IntegrityError) -> bool:
    """Whether ``error`` (of an ``orders`` insert) is the unique constraint on ``(organizer_id, code)``."""
    constraint = getattr(getattr(error.orig, "diag", None), "constraint_name", None)
    if constraint is not None:
        return constraint == "uq_orders_organizer_id_code"
    return "UNIQUE constraint failed: orders.organizer_id, orders.code" in str(error.orig)


def assign_pseudonymization_ids(session: Session, count: int) -> list[str]:
    """``count`` platform-wide unique pseudonymization ids (one ``SELECT`` per round)."""
    position = _position_model()

    def taken(candidates: Sequence[str]) -> list[str]:
        with scopes_disabled():
            return list(session.scalars(
                select(position.pseudonymization_id).where(position.pseudonymization_id.in_(candidates))
            ))

    return unique_tokens(count, pseudonymization_id, taken)
