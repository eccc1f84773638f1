"""The order list: pretix's filters, ordering, pagination, exclude, X-Page-Generated, constant query count."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.core.api.orders.conftest import BASE


def codes(api_client, query=""):
    return [o["code"] for o in api_client.get(BASE + query).json["results"]]


@pytest.fixture
def three(order_factory, catalogue, db_session):
    from core.models import InvoiceAddress

    a = order_factory(code="AAAAA", email="Alice@example.org", locale="de")
    b = order_factory(code="BBBBB", status="p", paid=True, email="bob@example.org",
                      items=[(catalogue.shirt, catalogue.shirt_s, "15.00")])
    c = order_factory(code="CCCCC", status="c", testmode=True, require_approval=True, channel=catalogue.api)
    db_session.add(InvoiceAddress(order=a, organizer_id=a.organizer_id, company="Acme Corp", name_parts={}))
    a.datetime = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    b.datetime = dt.datetime(2026, 2, 1, tzinfo=dt.UTC)
    c.datetime = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    db_session.flush()
    return a, b, c


def test_filters(api_client, three, catalogue):
    assert codes(api_client) == ["AAAAA", "BBBBB", "CCCCC"]
    assert codes(api_client, "?code=bbbbb") == ["BBBBB"]
    assert codes(api_client, "?status=p") == ["BBBBB"]
    assert codes(api_client, "?email=alice@EXAMPLE.org") == ["AAAAA"]
    assert codes(api_client, "?locale=de") == ["AAAAA"]
    assert codes(api_client, "?testmode=true") == ["CCCCC"]
    assert codes(api_client, "?testmode=false") == ["AAAAA", "BBBBB"]
    assert codes(api_client, "?require_approval=true") == ["CCCCC"]
    assert codes(api_client, "?created_since=2026-01-15T00:00:00Z") == ["BBBBB", "CCCCC"]
    assert codes(api_client, "?created_before=2026-01-15T00:00:00Z") == ["AAAAA"]
    assert codes(api_client, f"?item={catalogue.shirt.id}") == ["BBBBB"]
    assert codes(api_client, f"?variation={catalogue.shirt_s.id}") == ["BBBBB"]
    assert codes(api_client, "?sales_channel=api") == ["CCCCC"]
    assert codes(api_client, "?payment_provider=manual") == ["BBBBB"]
    assert codes(api_client, "?search=acme") == ["AAAAA"]
    assert codes(api_client, "?search=ccccc") == ["CCCCC"]
    assert codes(api_client, "?subevent=1") == []
    assert codes(api_client, "?customer=ABC123") == []
    assert codes(api_client, "?subevent_after=2026-01-01T00:00:00Z") == []
    assert codes(api_client, "?subevent_before=2026-01-01T00:00:00Z") == []
    assert api_client.get(BASE + "?status=x", status=400).json == {"status": ['"x" is not a valid choice.']}
    assert "item" in api_client.get(BASE + "?item=abc", status=400).json


def test_modified_since_with_page_generated(api_client, three, db_session):
    first = api_client.get(BASE)
    stamp = first.headers["X-Page-Generated"]
    assert stamp.endswith("Z") and dt.datetime.fromisoformat(stamp).tzinfo is not None
    assert codes(api_client, "?modified_since=" + stamp) == []
    api_client.patch(f"{BASE}BBBBB/", {"comment": "late"})
    assert codes(api_client, "?modified_since=" + stamp) == ["BBBBB"]


def test_ordering_pagination_exclude(api_client, three):
    assert codes(api_client, "?ordering=-datetime") == ["CCCCC", "BBBBB", "AAAAA"]
    assert codes(api_client, "?ordering=-code") == ["CCCCC", "BBBBB", "AAAAA"]
    assert codes(api_client, "?ordering=status") == ["CCCCC", "AAAAA", "BBBBB"]
    assert codes(api_client, "?ordering=last_modified")[0] in ("AAAAA", "BBBBB", "CCCCC")
    assert "ordering" in api_client.get(BASE + "?ordering=email", status=400).json
    page = api_client.get(BASE + "?page_size=2&ordering=datetime").json
    assert page["count"] == 3 and page["next"].endswith("?ordering=datetime&page=2&page_size=2")
    assert api_client.get(BASE + "?page_size=2&page=99", status=404).json == {"detail": "Invalid page."}
    slim = api_client.get(BASE + "?exclude=positions&exclude=fees&exclude=payments").json["results"][0]
    assert "positions" not in slim and "fees" not in slim and "payments" not in slim and "refunds" in slim
    only = api_client.get(BASE + "?include=code&include=total").json["results"][0]
    assert list(only) == ["code", "total"]


def test_query_count_is_constant(count_queries, order_factory):
    order_factory(status="p", paid=True)
    few = count_queries(BASE)
    for _ in range(12):
        order_factory(status="p", paid=True)
    assert count_queries(BASE) == few


def test_series_date_filters(api_client, order_factory, catalogue, db_session):
    from core.i18n import I18nString
    from core.models import SubEvent

    def date(month, to=None):
        sub = SubEvent(event=catalogue.event, organizer_id=catalogue.event.organizer_id, active=True,
                       name=I18nString({"en": f"M{month}"}), date_from=dt.datetime(2027, month, 1, 18, tzinfo=dt.UTC),
                       date_to=to)
        db_session.add(sub)
        db_session.flush()
        return sub

    june, october = date(6), date(10, dt.datetime(2027, 10, 3, tzinfo=dt.UTC))
    early = order_factory(code="JUNEX")
    late = order_factory(code="OCTOB")
    for order, sub in ((early, june), (late, october)):
        for position in order.positions:
            position.subevent_id = sub.id
    db_session.flush()
    assert codes(api_client, f"?subevent={june.id}") == ["JUNEX"]
    assert codes(api_client, "?subevent_after=2027-08-01T00:00:00Z") == ["OCTOB"]
    assert codes(api_client, "?subevent_after=2027-10-02T00:00:00Z") == ["OCTOB"]
    assert codes(api_client, "?subevent_before=2027-08-01T00:00:00Z") == ["JUNEX"]
