"""Capacity re-checks of the order life cycle: quotas and voucher usage taken anew, under locks.

Reactivating a canceled order, extending an expired one and changing an order so that it uses quotas it did not
use before all *reduce* capacity. :func:`check_capacity` takes the locks for exactly that (exclusive on limited
quotas and on vouchers, shared on the event, one :func:`core.locking.lock_objects` call) and then checks with the
shared :func:`core.services.positions.check_quota_demand` (the waiting list not counted, as pretix does for these
re-checks). The demand comes from :func:`core.services.positions.quota_demand`. It writes nothing.
"""

from __future__ import annotations

from collections import Counter

from sqlalchemy.orm import Session

from core.locking import lock_objects
from core.models.event import Event
from core.models.quotas import Quota
from core.models.vouchers import Voucher
from core.services.errors import OrderError
from core.services.positions import check_quota_demand


def check_capacity(
    session: Session,
    event: Event,
    quotas: Counter[Quota],
    vouchers: Counter[Voucher] | None = None,
    *,
    subject: str = "The order",
) -> None:
    """Lock and check that ``quotas`` (quota -> places needed) and ``vouchers`` (voucher -> uses) still fit.

    Raises :class:`~core.services.errors.OrderError` ``quota`` (naming the quota and what is left) or
    ``voucher_redeemed`` (the voucher has no uses left). Must run in the transaction that then writes the change:
    the locks last until its end.
    """
    vouchers = vouchers or Counter()
    wanted = {q: n for q, n in quotas.items() if n > 0}
    used_vouchers = {v: n for v, n in vouchers.items() if n > 0}
    if not wanted and not used_vouchers:
        return
    lock_objects(
        session,
        exclusive=[*(q for q in sorted(wanted, key=lambda q: q.id) if q.size is not None),
                   *sorted(used_vouchers, key=lambda v: v.id)],
        shared=[event],
    )
    check_quota_demand(session, wanted, subject=subject, error=OrderError)
    for voucher in sorted(used_vouchers, key=lambda v: v.id):
        session.refresh(voucher, ["redeemed", "max_usages"])
        if voucher.redeemed + used_vouchers[voucher] > voucher.max_usages:
            raise OrderError(
                "voucher_redeemed",
                f"{subject} uses the voucher {voucher.code} {used_vouchers[voucher]} time(s), but it has only "
                f"{max(voucher.max_usages - voucher.redeemed, 0)} use(s) left.",
                voucher=voucher.code,
            )
