"""An event with a 23.00 item on a web channel and orders with readable codes (``sdk.testing.fixtures_payments``)."""

from __future__ import annotations

from decimal import Decimal

import pytest


@pytest.fixture
def item_price() -> Decimal:
    return Decimal("23.00")
