"""The order-adjacent lists answer a page with a constant number of queries, however many rows it holds."""

from __future__ import annotations

from sqlalchemy import event as sa_event


def _queries(api_client, db_engine, path):
    seen = []

    def count(*_args, **_kwargs):
        seen.append(1)

    sa_event.listen(db_engine, "before_cursor_execute", count)
    try:
        api_client.get(path)
    finally:
        sa_event.remove(db_engine, "before_cursor_execute", count)
    return len(seen)


def test_constant_queries(api_client, db_engine, order_factory, catalogue):
    from core.services.invoices import generate_invoice

    paths = ["/organizers/demo/events/conf/invoices/", "/organizers/demo/events/conf/transactions/",
             "/organizers/demo/transactions/", "/organizers/demo/invoices/", "/organizers/demo/orderpositions/",
             "/organizers/demo/events/conf/cartpositions/"]
    generate_invoice(order_factory(fees=[("payment", "1.00")]))
    api_client.post("/organizers/demo/events/conf/cartpositions/", {"item": catalogue.ticket.id, "price": "1"},
                    status=201)
    before = {path: _queries(api_client, db_engine, path) for path in paths}
    for _ in range(4):
        generate_invoice(order_factory(fees=[("payment", "1.00")]))
        api_client.post("/organizers/demo/events/conf/cartpositions/", {"item": catalogue.ticket.id, "price": "1"},
                        status=201)
    assert {path: _queries(api_client, db_engine, path) for path in paths} == before
