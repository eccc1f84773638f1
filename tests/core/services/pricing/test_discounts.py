"""Automatic discounts (worked examples; the expected prices are computed by hand in the comments)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from core.services.pricing.discounts import DiscountLine, DiscountSpec, apply_discounts

D = Decimal
NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
A, B, C = 101, 102, 103  # sub-event ids
DATES = {A: datetime(2026, 7, 1, tzinfo=UTC), B: datetime(2026, 7, 2, tzinfo=UTC), C: datetime(2026, 7, 3, tzinfo=UTC)}


def line(price: str, item: int = 1, subevent: int | None = None, **kwargs: object) -> DiscountLine:
    return DiscountLine(item_id=item, line_price_gross=D(price), subevent_id=subevent,
                        subevent_date=DATES.get(subevent) if subevent else None, **kwargs)  # type: ignore[arg-type]


def disc(**kwargs: object) -> DiscountSpec:
    return DiscountSpec(id=kwargs.pop("id", 1), **kwargs)  # type: ignore[arg-type]


CASES = [
    # 1. two tickets, min 2, 10 % off all: 100 -> 90, 50 -> 45
    ("min_count_all", [line("100.00"), line("50.00")],
     [disc(condition_min_count=2, benefit_discount_matching_percent=D(10))], ["90.00", "45.00"], [1, 1]),
    # 2. min 3 with two tickets: nothing
    ("min_count_not_reached", [line("100.00"), line("50.00")],
     [disc(condition_min_count=3, benefit_discount_matching_percent=D(10))], ["100.00", "50.00"], [None, None]),
    # 3. min value 100: 60 + 50 = 110 >= 100 -> 20 % off: 48, 40
    ("min_value", [line("60.00"), line("50.00")],
     [disc(condition_min_value=D(100), benefit_discount_matching_percent=D(20))], ["48.00", "40.00"], [1, 1]),
    # 4. 60 + 30 = 90 < 100: nothing
    ("min_value_not_reached", [line("60.00"), line("30.00")],
     [disc(condition_min_value=D(100), benefit_discount_matching_percent=D(20))], ["60.00", "30.00"], [None, None]),
    # 5. every 3rd ticket free, cheapest first: 7 tickets -> groups = min(7 // 3, ceil(7 / 1)) = 2 -> 10, 20 free
    ("cheapest_n", [line(p) for p in ("40", "10", "70", "20", "50", "30", "60")],
     [disc(condition_min_count=3, benefit_only_apply_to_cheapest_n_matches=1,
           benefit_discount_matching_percent=D(100))],
     ["40", "0", "70", "0", "50", "30", "60"], [None, 1, None, 1, None, None, None]),
    # 6. buy 2 adult (item 1), the cheapest child (item 2) half price: groups = min(3 // 2, ceil(2 / 1)) = 1
    ("cheapest_n_other_products",
     [line("50.00"), line("50.00"), line("50.00"), line("30.00", item=2), line("20.00", item=2)],
     [disc(condition_all_products=False, condition_limit_products=frozenset({1}), condition_min_count=2,
           benefit_same_products=False, benefit_limit_products=frozenset({2}),
           benefit_only_apply_to_cheapest_n_matches=1, benefit_discount_matching_percent=D(50))],
     ["50.00", "50.00", "50.00", "30.00", "10.00"], [None, None, None, None, 1]),
    # 7. same date: A has 2 tickets (discounted), B has 1 (not)
    ("same_subevent", [line("10.00", subevent=A), line("20.00", subevent=B), line("30.00", subevent=A)],
     [disc(subevent_mode="same", condition_min_count=2, benefit_discount_matching_percent=D(10))],
     ["9.00", "20.00", "27.00"], [1, None, 1]),
    # 8. distinct dates, cheapest free: sorted A10, A20, B30; group = [A10 (cheap), B30 (expensive)];
    #    leftover A20 can't join (A taken); groups = min(2 // 2, ceil(2 / 1)) = 1 -> A10 free
    ("distinct_cheapest", [line("20", subevent=A), line("10", subevent=A), line("30", subevent=B)],
     [disc(subevent_mode="distinct", condition_min_count=2, benefit_only_apply_to_cheapest_n_matches=1,
           benefit_discount_matching_percent=D(100))],
     ["20", "0", "30"], [None, 1, None]),
    # 9. distinct, 10 % on all: A10, B20, C30, A40 -> [A10, C30] (A40 skipped: date A taken), then [B20, A40]
    ("distinct_all", [line("10", subevent=A), line("20", subevent=B), line("30", subevent=C), line("40", subevent=A)],
     [disc(subevent_mode="distinct", condition_min_count=2, benefit_discount_matching_percent=D(10))],
     ["9", "18", "27", "36"], [1, 1, 1, 1]),
    # 10. distinct leftover joins a group lacking its date: A10, B20, C30 -> [A10, C30], B20 joins -> all 10 % off
    ("distinct_leftover_joins", [line("10", subevent=A), line("20", subevent=B), line("30", subevent=C)],
     [disc(subevent_mode="distinct", condition_min_count=2, benefit_discount_matching_percent=D(10))],
     ["9", "18", "27"], [1, 1, 1]),
    # 11. distinct leftover on a taken date stays undiscounted: A10, B20, A30 -> [A10, B20], A30 left
    ("distinct_leftover_stays", [line("10", subevent=A), line("20", subevent=B), line("30", subevent=A)],
     [disc(subevent_mode="distinct", condition_min_count=2, benefit_discount_matching_percent=D(10))],
     ["9", "18", "30"], [1, 1, None]),
    # 12. a voucher-discounted position is ignored: only one ticket counts, min 2 fails
    ("ignore_voucher_discounted", [line("50.00"), line("40.00", voucher_discount=D("10.00"))],
     [disc(condition_min_count=2, condition_ignore_voucher_discounted=True,
           benefit_discount_matching_percent=D(10))], ["50.00", "40.00"], [None, None]),
    # 13. add-ons neither count nor benefit when excluded; the two top-level tickets do: 20 -> 18
    ("addons_excluded", [line("20.00"), line("20.00"), line("5.00", is_addon=True)],
     [disc(condition_min_count=2, condition_apply_to_addons=False, benefit_apply_to_addons=False,
           benefit_discount_matching_percent=D(10))], ["18.00", "18.00", "5.00"], [1, 1, None]),
    # 14. bundled positions never take part
    ("bundled_excluded", [line("20.00"), line("5.00", is_bundled=True)],
     [disc(condition_min_count=2, benefit_discount_matching_percent=D(10))], ["20.00", "5.00"], [None, None]),
    # 15. first discount (position 0) consumes both tickets; the second (position 1, bigger) gets nothing
    ("consumed_once", [line("10.00"), line("10.00")],
     [disc(id=2, position=1, condition_min_count=1, benefit_discount_matching_percent=D(50)),
      disc(id=1, position=0, condition_min_count=2, benefit_discount_matching_percent=D(10))],
     ["9.00", "9.00"], [1, 1]),
    # 16. min_value consumes only the benefit: condition item 1 (100) qualifies item 2 for 10 %,
    #     item 1 stays free for the next discount (50 % on anything, min 1)
    ("min_value_consumes_benefit_only", [line("100.00"), line("20.00", item=2)],
     [disc(id=1, condition_all_products=False, condition_limit_products=frozenset({1}),
           condition_min_value=D(50), benefit_same_products=False, benefit_limit_products=frozenset({2}),
           benefit_discount_matching_percent=D(10)),
      disc(id=2, position=1, condition_min_count=1, benefit_discount_matching_percent=D(50))],
     ["50.00", "18.00"], [2, 1]),
    # 17. JPY: 1001 * 0.85 = 850.85 -> 851
    ("jpy", [line("1001"), line("1001")],
     [disc(condition_min_count=2, benefit_discount_matching_percent=D(15))], ["851", "851"], [1, 1]),
    # 18. date window: only the July 2 date (B) qualifies, one ticket with min 1 -> 20 % off
    ("subevent_date_window", [line("10.00", subevent=A), line("10.00", subevent=B)],
     [disc(condition_min_count=1, subevent_date_from=datetime(2026, 7, 2, tzinfo=UTC),
           subevent_date_until=datetime(2026, 7, 2, 23, tzinfo=UTC), benefit_discount_matching_percent=D(20))],
     ["10.00", "8.00"], [None, 1]),
]


@pytest.mark.parametrize(("name", "lines", "discounts", "prices", "ids"), CASES, ids=[c[0] for c in CASES])
def test_apply_discounts(name: str, lines: list[DiscountLine], discounts: list[DiscountSpec],
                         prices: list[str], ids: list[int | None]) -> None:
    results = apply_discounts(lines, discounts, "JPY" if name == "jpy" else "EUR", now=NOW, sales_channel="web")
    assert [r.price for r in results] == [D(p) for p in prices]
    assert [r.discount_id for r in results] == ids


@pytest.mark.parametrize(
    ("spec", "applies"),
    [
        (disc(condition_min_count=1, benefit_discount_matching_percent=D(10)), True),
        (disc(active=False, condition_min_count=1, benefit_discount_matching_percent=D(10)), False),
        (disc(available_from=datetime(2026, 6, 2, tzinfo=UTC), condition_min_count=1,
              benefit_discount_matching_percent=D(10)), False),
        (disc(available_until=datetime(2026, 5, 31, tzinfo=UTC), condition_min_count=1,
              benefit_discount_matching_percent=D(10)), False),
        (disc(all_sales_channels=False, limit_sales_channels=frozenset({"box"}), condition_min_count=1,
              benefit_discount_matching_percent=D(10)), False),
        (disc(all_sales_channels=False, limit_sales_channels=frozenset({"web"}), condition_min_count=1,
              benefit_discount_matching_percent=D(10)), True),
    ],
)
def test_usable_discounts(spec: DiscountSpec, applies: bool) -> None:
    (result,) = apply_discounts([line("10.00")], [spec], "EUR", now=NOW, sales_channel="web")
    assert result.price == (D("9.00") if applies else D("10.00"))


def test_deterministic_and_no_discounts() -> None:
    lines = [line(p) for p in ("30", "10", "10", "20")]
    spec = [disc(condition_min_count=2, benefit_only_apply_to_cheapest_n_matches=1,
                 benefit_discount_matching_percent=D(100))]
    first = apply_discounts(lines, spec, "EUR", now=NOW, sales_channel="web")
    # groups = min(4 // 2, 4) = 2: the two 10s (ties broken by position) are free
    assert [r.price for r in first] == [D("30"), D("0"), D("0"), D("20")]
    assert apply_discounts(lines, spec, "EUR", now=NOW, sales_channel="web") == first
    assert [r.price for r in apply_discounts(lines, [], "EUR", now=NOW, sales_channel="web")] == [
        D("30"), D("10"), D("10"), D("20")
    ]
