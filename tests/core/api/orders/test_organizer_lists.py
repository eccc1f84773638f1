"""Organizer-wide lists show only the events on which the principal may read orders."""

from __future__ import annotations

import datetime as dt

from core.db import scope


def test_limited_team_sees_only_its_events(api_client, make_api_token, organizer, event, catalogue, db_session, tm,
                                           huey_immediate):
    from decimal import Decimal
    from types import SimpleNamespace

    from core.i18n import I18nString
    from core.models import Event, Item, TaxRule
    from core.services.invoices import generate_invoice
    from sdk.testing.fixtures_commerce import make_order

    with scope(organizer.id):
        second = Event(organizer_id=organizer.id, slug="fest", name=I18nString({"en": "Fest"}),
                       date_from=dt.datetime(2030, 6, 1, tzinfo=dt.UTC))
        db_session.add(second)
        db_session.flush()
        tax = TaxRule(event=second, organizer_id=organizer.id, name=I18nString({"en": "VAT"}), rate=Decimal("7"))
        ticket = Item(event=second, organizer_id=organizer.id, name=I18nString({"en": "Pass"}),
                      default_price=Decimal("5.00"), tax_rule=tax)
        db_session.add_all([tax, ticket])
        db_session.flush()
        other_catalogue = SimpleNamespace(event=second, web=catalogue.web, tax=tax, ticket=ticket)
        generate_invoice(make_order(db_session, catalogue))
        tm.commit()
        tm.begin()
        generate_invoice(make_order(db_session, other_catalogue, items=[(other_catalogue.ticket, None, "5.00")]))
    everything = {path: api_client.get(f"/organizers/demo/{path}/").json["count"]
                  for path in ("orderpositions", "invoices", "transactions")}
    assert everything == {"orderpositions": 3, "invoices": 2, "transactions": 3}
    limited = make_api_token(organizer, ["event.orders:read"], limit_events=[second])
    seen = {path: api_client.get(f"/organizers/demo/{path}/", headers=limited).json["results"]
            for path in ("orderpositions", "invoices", "transactions")}
    assert [p["price"] for p in seen["orderpositions"]] == ["5.00"]
    assert [i["event"] for i in seen["invoices"]] == ["fest"]
    assert [t["event"] for t in seen["transactions"]] == ["fest"]
    assert api_client.get("/organizers/demo/events/conf/invoices/", headers=limited, status=403)
    assert api_client.get("/organizers/demo/invoices/?event=fest").json["count"] == 1
