"""Tax rules through the API: pretix's shapes, field errors, permissions, delete guard, Last-Modified."""

from __future__ import annotations

BASE = "/organizers/demo/events/conf/taxrules/"


def test_create_matches_pretix_shape(api_client, event):
    created = api_client.post(BASE, {"name": {"en": "VAT"}, "rate": "19.00", "price_includes_tax": True},
                              status=201).json
    assert created == {
        "id": created["id"], "name": {"en": "VAT"}, "default": True, "rate": "19.00", "code": None,
        "price_includes_tax": True, "eu_reverse_charge": False, "home_country": "", "internal_name": None,
        "keep_gross_if_rate_changes": False, "custom_rules": None,
    }
    assert api_client.get(f"{BASE}{created['id']}/").json == created


def test_list_is_paginated_and_ordered(api_client, event):
    for rate in ("7", "19", "0"):
        api_client.post(BASE, {"name": {"en": f"R{rate}"}, "rate": rate}, status=201)
    page = api_client.get(BASE + "?page_size=2&ordering=-id").json
    assert page["count"] == 3
    assert [r["rate"] for r in page["results"]] == ["0.00", "19.00"]
    assert page["next"] == "http://localhost/api/v1" + BASE + "?ordering=-id&page=2&page_size=2"
    assert page["previous"] is None
    second = api_client.get(BASE + "?page_size=2&ordering=-id&page=2").json
    assert second["previous"] == "http://localhost/api/v1" + BASE + "?ordering=-id&page_size=2"
    assert api_client.get(BASE + "?page=9", status=404).json == {"detail": "Invalid page."}
    assert "ordering" in api_client.get(BASE + "?ordering=nope", status=400).json


def test_field_errors(api_client, event):
    assert api_client.post(BASE, {"rate": "19"}, status=400).json == {"name": ["This field is required."]}
    assert api_client.post(BASE, {"name": {"en": "x"}, "rate": "-5"}, status=400).json == {
        "rate": ["Ensure this value is greater than or equal to 0."]}
    assert api_client.post(BASE, {"name": {"en": "x"}, "rate": "abc"}, status=400).json == {
        "rate": ["A valid number is required."]}
    assert api_client.post(BASE, {"name": {"en": "x"}, "rate": "5", "price_includes_tax": None},
                           status=400).json == {"price_includes_tax": ["This field may not be null."]}
    bad_code = api_client.post(BASE, {"name": {"en": "x"}, "rate": "5", "code": "E"}, status=400).json
    assert list(bad_code) == ["code"]
    assert api_client.get(BASE).json["count"] == 0


def test_malformed_and_non_object_bodies(app, api_headers, event):
    headers = {**api_headers, "Content-Type": "application/json"}
    bad = app.post("/api/v1" + BASE, "{nope", headers=headers, status=400).json
    assert bad["detail"].startswith("JSON parse error")
    listed = app.post("/api/v1" + BASE, "[1, 2]", headers=headers, status=400).json
    assert listed == {"non_field_errors": ["Invalid data. Expected a dictionary, but got list."]}


def test_patch_put_delete(api_client, event):
    rule = api_client.post(BASE, {"name": {"en": "VAT"}, "rate": "19"}, status=201).json
    patched = api_client.patch(f"{BASE}{rule['id']}/", {"rate": "7"}).json
    assert patched["rate"] == "7.00" and patched["name"] == {"en": "VAT"}
    replaced = api_client.put(f"{BASE}{rule['id']}/", {"name": {"de": "MwSt"}, "rate": "19"}).json
    assert replaced["name"] == {"de": "MwSt"} and replaced["price_includes_tax"] is True
    api_client.delete(f"{BASE}{rule['id']}/")
    assert api_client.get(f"{BASE}{rule['id']}/", status=404).json == {"detail": "Not found."}


def test_delete_refused_while_in_use(api_client, catalogue):
    path = f"{BASE}{catalogue.tax.id}/"
    assert api_client.delete(path, status=403).json == {
        "detail": "This tax rule can not be deleted as it is currently in use."}
    assert api_client.get(path).json["rate"] == "19.00"


def test_auth_and_permissions(app, api_client, make_api_token, organizer, event, db_session):
    assert app.get("/api/v1" + BASE, status=401).json == {"detail": "Authentication credentials were not provided."}
    assert app.get("/api/v1" + BASE, headers={"Authorization": "Token nope"}, status=401).json == {
        "detail": "Invalid token."}
    reader = make_api_token(organizer, ["event.orders:read"])
    assert api_client.get(BASE, headers=reader).json["count"] == 0
    assert api_client.post(BASE, {"name": {"en": "x"}, "rate": "1"}, headers=reader, status=403).json == {
        "detail": "You do not have permission to perform this action."}
    assert api_client.get("/organizers/demo/events/nope/taxrules/", status=403).json == {
        "detail": "You do not have permission to perform this action."}
    assert app.get("/api/v1/organizers/demo/events/nope/taxrules/", status=401)


def test_other_organizer_is_never_reachable(api_client, make_api_token, event, db_session):
    from core.models import Organizer

    other = Organizer(slug="other", name="Other")
    db_session.add(other)
    db_session.flush()
    foreign = make_api_token(other, everything=True)
    rule = api_client.post(BASE, {"name": {"en": "VAT"}, "rate": "19"}, status=201).json
    assert api_client.get(BASE, headers=foreign, status=403)
    assert api_client.get(f"{BASE}{rule['id']}/", headers=foreign, status=403)
    assert api_client.patch(f"{BASE}{rule['id']}/", {"rate": "1"}, headers=foreign, status=403)
    assert api_client.delete(f"{BASE}{rule['id']}/", headers=foreign, status=403)
    assert api_client.get(f"{BASE}{rule['id']}/").json["rate"] == "19.00"


def test_method_not_allowed_and_unknown_path(api_client, event):
    response = api_client.put(BASE, {}, status=405)
    assert response.json == {"detail": 'Method "PUT" not allowed.'}
    assert api_client.get("/nothing/here/", status=404).json == {"detail": "Not found."}


def test_last_modified(api_client, event):
    api_client.post(BASE, {"name": {"en": "VAT"}, "rate": "19"}, status=201)
    listed = api_client.get(BASE)
    stamp = listed.headers["Last-Modified"]
    api_client.get(BASE, headers={**api_client.headers, "If-Modified-Since": stamp}, status=304)
    api_client.get(BASE, headers={**api_client.headers, "If-Unmodified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"},
                   status=412)


def test_openapi_document_lists_the_endpoints(app):
    document = app.get("/api/v1/openapi.json").json
    assert document["openapi"] == "3.1.0"
    operations = document["paths"]["/api/v1/organizers/{organizer}/events/{event}/taxrules/{id}/"]
    assert set(operations) == {"get", "put", "patch", "delete"}
    assert operations["patch"]["x-permission"] == "event.settings.tax:write"
    assert "TaxRuleIn" in document["components"]["schemas"]


def test_me_and_version(api_client, app):
    assert api_client.get("/me/").json["organizer"] == "demo"
    assert app.get("/api/v1/me/", status=401)
    assert "ticketry" in app.get("/api/v1/version/").json


def test_patch_validates_what_is_sent(api_client, event):
    rule = api_client.post(BASE, {"name": {"en": "VAT"}, "rate": "19"}, status=201).json
    path = f"{BASE}{rule['id']}/"
    assert api_client.patch(path, {"rate": None}, status=400).json == {"rate": ["This field may not be null."]}
    assert api_client.patch(path, {"rate": "500"}, status=400).json == {
        "rate": ["Ensure this value is less than or equal to 100."]}
    assert api_client.patch(path, {"internal_name": "x" * 191}, status=400).json == {
        "internal_name": ["Ensure this field has no more than 190 characters."]}
    assert api_client.patch(path, {"internal_name": None}).json["internal_name"] is None
    assert api_client.get(path).json["rate"] == "19.00"
