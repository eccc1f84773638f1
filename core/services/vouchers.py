"""Vouchers of an event: create (one or a batch, all or nothing), change and delete, each audit-logged.

A voucher with ``block_quota`` reserves ``max_usages - redeemed`` units in every quota of its product (or in its
quota) until it expires. Creating such a voucher, or changing one so that it blocks more (switched on, more uses,
another product, quota or date, valid again after expiry), first locks the affected quotas
(:func:`core.locking.lock_objects`) and then checks that the units are free, not counting the waiting list; if
they are not, nothing is written. Two parallel requests for the last unit therefore cannot both succeed.

Codes are stored upper-case and are unique per event, also within one batch. Refusals raise
:class:`VoucherRefused` (a :class:`~core.services.slugs.ValidationError` carrying the batch ``index``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.locking import lock_objects
from core.logs import log_action
from core.models import Event, OrderPosition, Quota, Voucher
from core.models.vouchers import validate_voucher
from core.services.errors import CommerceError
from core.services.quotas import availability, product_quotas
from core.services.slugs import ValidationError

#: The writable fields; ``item``, ``variation``, ``quota`` and ``subevent`` take ORM objects (or None).
FIELDS = ("code", "max_usages", "min_usages", "valid_until", "block_quota", "allow_ignore_quota", "price_mode",
          "value", "item", "variation", "quota", "tag", "comment", "subevent", "show_hidden_items",
          "all_addons_included", "all_bundles_included", "budget")

NON_FIELD = "non_field_errors"
CODE_TAKEN = "A voucher with this code already exists."
CODE_TWICE = "Duplicate voucher code in request."
NO_CAPACITY = ("You cannot create a voucher that blocks quota as the selected product or quota is currently sold "
               "out or completely reserved.")
NO_TARGET = "You need to select a specific product or quota if this voucher should reserve tickets."
NO_QUOTA = "You cannot create a voucher that blocks quota as the selected product is not assigned to any quota."
USED = "This voucher can not be deleted as it has already been used."


class VoucherRefused(ValidationError):
    """A voucher that cannot be written: ``field`` (``non_field_errors`` for the whole voucher), the message,
    and ``index``, the position of the voucher in the batch (0 for single vouchers)."""

    def __init__(self, field: str, message: str, index: int = 0) -> None:
        super().__init__(field, message)
        self.index = index


_Target = tuple[int | None, int | None, int | None, int | None]


def _target(voucher: Voucher) -> _Target:
    return tuple(getattr(getattr(voucher, name), "id", None)  # type: ignore[return-value]
                 for name in ("item", "variation", "quota", "subevent"))


def _blocking(voucher: Voucher) -> tuple[_Target, int] | None:
    """What ``voucher`` reserves right now: ``(target, units)``, or None when it reserves nothing."""
    if not voucher.block_quota or voucher.is_expired():
        return None
    return _target(voucher), max(voucher.max_usages - (voucher.redeemed or 0), 0)


def _needed(voucher: Voucher, before: tuple[_Target, int] | None) -> int:
    """Units the voucher reserves beyond what it reserved ``before`` (its state in the database)."""
    now = _blocking(voucher)
    if now is None:
        return 0
    target, units = now
    if before is None or before[0] != target:
        return units
    return max(units - before[1], 0)


def _apply(voucher: Voucher, values: dict[str, Any], index: int) -> None:
    for key, value in values.items():
        if key not in FIELDS:
            raise ValueError(f"unknown voucher field {key!r}")
        setattr(voucher, key, value)
    if voucher.price_mode is None:
        voucher.price_mode = Voucher.PRICE_MODE_NONE
    try:
        validate_voucher(voucher, voucher.event)
    except ValidationError as exc:
        raise VoucherRefused(exc.field, str(exc), index) from None
    if voucher.block_quota and voucher.item is None and voucher.quota is None:
        raise VoucherRefused(NON_FIELD, NO_TARGET, index)


def _check_codes(session: Session, event: Event, vouchers: Sequence[Voucher]) -> None:
    seen: set[str] = set()
    for index, voucher in enumerate(vouchers):
        if voucher.code in seen:
            raise VoucherRefused("code", CODE_TWICE, index)
        seen.add(voucher.code)
    taken = dict(session.execute(select(Voucher.code, Voucher.id).where(
        Voucher.event_id == event.id, Voucher.code.in_(seen))).all())
    for index, voucher in enumerate(vouchers):
        if voucher.code in taken and taken[voucher.code] != voucher.id:
            raise VoucherRefused("code", CODE_TAKEN, index)


def _quotas_of(session: Session, event: Event, voucher: Voucher, index: int) -> list[Quota]:
    if voucher.quota is not None:
        return [voucher.quota]
    item_id, variation_id, _quota_id, subevent_id = _target(voucher)
    mapping, quotas = product_quotas(session, event.id, [(item_id, variation_id)], subevent_id)
    found = [quotas[quota_id] for quota_id in mapping[(item_id, variation_id)]]
    if not found:
        raise VoucherRefused(NON_FIELD, NO_QUOTA, index)
    return found


def _reserve(session: Session, event: Event, needs: Sequence[tuple[Voucher, int]]) -> None:
    """Lock the quotas the ``(voucher, units)`` pairs reserve newly and refuse unless the units are free.

    Called without autoflush: the database still holds the vouchers' previous state, which availability counts.
    """
    wanted = [(index, voucher, units, _quotas_of(session, event, voucher, index))
              for index, (voucher, units) in enumerate(needs) if units > 0]
    if not wanted:
        return
    quotas = {quota.id: quota for *_rest, found in wanted for quota in found}
    lock_objects(session, exclusive=[q for q in quotas.values() if q.size is not None], shared=[event])
    left = availability(session, quotas.values(), count_waitinglist=False)
    used: dict[int, int] = defaultdict(int)
    for index, _voucher, units, found in wanted:
        for quota in found:
            used[quota.id] += units
            number = left[quota.id][1]
            if number is not None and number < used[quota.id]:
                raise VoucherRefused(NON_FIELD, NO_CAPACITY, index)


def _flush(session: Session) -> None:
    try:
        session.flush()
    except IntegrityError:
        raise VoucherRefused("code", CODE_TAKEN) from None


def create_vouchers(session: Session, event: Event, batch: Sequence[dict[str, Any]], *, user: Any = None,
                    auth: Any = None) -> list[Voucher]:
    """Create one voucher per value dict of ``batch``, all or none (:class:`VoucherRefused` names the first bad
    one by ``index``); quota-blocking vouchers must find their units free."""
    vouchers = []
    with session.no_autoflush:
        for index, values in enumerate(batch):
            voucher = Voucher(event=event, organizer_id=event.organizer_id)
            _apply(voucher, values, index)
            vouchers.append(voucher)
        _check_codes(session, event, vouchers)
        _reserve(session, event, [(voucher, _needed(voucher, None)) for voucher in vouchers])
    session.add_all(vouchers)
    _flush(session)
    for voucher in vouchers:
        log_action(voucher, "pretix.voucher.added", describe(voucher), user=user, auth=auth)
    return vouchers


def update_voucher(session: Session, voucher: Voucher, values: dict[str, Any], *, user: Any = None,
                   auth: Any = None) -> Voucher:
    """Change the given fields of ``voucher``; a change that reserves more quota must find the units free."""
    before = _blocking(voucher)
    with session.no_autoflush:
        _apply(voucher, values, 0)
        _check_codes(session, voucher.event, [voucher])
        _reserve(session, voucher.event, [(voucher, _needed(voucher, before))])
    _flush(session)
    log_action(voucher, "pretix.voucher.changed", describe(voucher), user=user, auth=auth)
    return voucher


def voucher_in_use(session: Session, voucher: Voucher) -> bool:
    """True once the voucher has been redeemed or an order position refers to it."""
    return voucher.redeemed > 0 or bool(session.scalar(select(exists().where(
        OrderPosition.voucher_id == voucher.id))))


def delete_voucher(session: Session, voucher: Voucher, *, user: Any = None, auth: Any = None) -> None:
    """Delete ``voucher``; refused (``voucher_used``) once it has been used."""
    if voucher_in_use(session, voucher):
        raise CommerceError("voucher_used", USED)
    log_action(voucher, "pretix.voucher.deleted", {"id": voucher.id, "code": voucher.code}, user=user, auth=auth)
    session.delete(voucher)
    session.flush()


def describe(voucher: Voucher) -> dict[str, Any]:
    """The voucher's fields for the audit log (related objects by id, amounts and dates as text)."""
    data: dict[str, Any] = {}
    for key in FIELDS:
        value = getattr(voucher, key)
        if key in ("item", "variation", "quota", "subevent"):
            value = getattr(value, "id", None)
        elif key in ("value", "budget", "valid_until") and value is not None:
            value = value.isoformat() if key == "valid_until" else str(value)
        data[key] = value
    return data
