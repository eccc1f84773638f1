"""The order-adjacent lists answer a page with a constant number of queries, however many rows it holds."""

from __future__ import annotations


def test_constant_queries(api_client, count_queries, order_factory, catalogue):
    from core.services.invoices import generate_invoice

    paths = ["/organizers/demo/events/conf/invoices/", "/organizers/demo/events/conf/transactions/",
             "/organizers/demo/transactions/", "/organizers/demo/invoices/", "/organizers/demo/orderpositions/",
             "/organizers/demo/events/conf/cartpositions/"]
    generate_invoice(order_factory(fees=[("payment", "1.00")]))
    api_client.post("/organizers/demo/events/conf/cartpositions/", {"item": catalogue.ticket.id, "price": "1"},
                    status=201)
    before = {path: count_queries(path) for path in paths}
    for _ in range(4):
        generate_invoice(order_factory(fees=[("payment", "1.00")]))
        api_client.post("/organizers/demo/events/conf/cartpositions/", {"item": catalogue.ticket.id, "price": "1"},
                        status=201)
    assert {path: count_queries(path) for path in paths} == before
