"""Questions and their options through the API: sample 37, nested options, dependencies, field errors, permissions."""

from __future__ import annotations

BASE = "/organizers/demo/events/conf/questions/"


def test_create_matches_sample_37(api_client, catalogue):
    created = api_client.post(BASE, {"question": {"en": "Covid test shown?"}, "identifier": "COVID", "type": "B",
                                     "required": True, "items": [catalogue.ticket.id], "ask_during_checkin": True,
                                     "position": 1}, status=201).json
    assert created == {
        "id": created["id"], "question": {"en": "Covid test shown?"}, "type": "B", "required": True,
        "items": [catalogue.ticket.id], "options": [], "position": 1, "ask_during_checkin": True,
        "show_during_checkin": False, "identifier": "COVID", "dependency_question": None, "dependency_values": [],
        "hidden": False, "dependency_value": None, "print_on_invoice": False, "help_text": None,
        "valid_number_min": None, "valid_number_max": None, "valid_date_min": None, "valid_date_max": None,
        "valid_datetime_min": None, "valid_datetime_max": None, "valid_string_length_max": None,
        "valid_string_length_min": None, "valid_file_portrait": False,
    }
    assert list(created) == list(api_client.get(f"{BASE}{created['id']}/").json)


def test_options_nested_and_own_endpoints(api_client, catalogue):
    created = api_client.post(BASE, {"question": {"en": "Size?"}, "type": "C", "items": [catalogue.shirt.id],
                                     "options": [{"answer": {"en": "S"}, "identifier": "S"},
                                                 {"answer": {"en": "M"}}]}, status=201).json
    small, medium = created["options"]
    assert small == {"id": small["id"], "identifier": "S", "position": 0, "answer": {"en": "S"}}
    assert medium["position"] == 1 and len(medium["identifier"]) == 8
    options = f"{BASE}{created['id']}/options/"
    large = api_client.post(options, {"answer": {"en": "L"}, "identifier": "L", "position": 2}, status=201).json
    assert api_client.get(options).json["count"] == 3
    assert api_client.patch(f"{options}{large['id']}/", {"answer": {"en": "Large"}}).json["answer"] == {
        "en": "Large"}
    assert api_client.post(options, {"answer": {"en": "x"}, "identifier": "S"}, status=400).json == {
        "identifier": ['The identifier "S" is already used for a different option.']}
    api_client.delete(f"{options}{large['id']}/")
    assert [o["identifier"] for o in api_client.get(f"{BASE}{created['id']}/").json["options"]] == [
        "S", medium["identifier"]]
    refused = api_client.patch(f"{BASE}{created['id']}/", {"options": []}, status=400).json
    assert refused == {"non_field_errors": [
        "Updating options via PATCH/PUT is not supported. Please use the dedicated nested endpoint."]}


def test_dependencies(api_client, catalogue):
    parent = api_client.post(BASE, {"question": {"en": "Size?"}, "type": "C", "identifier": "SIZE",
                                    "options": [{"answer": {"en": "S"}, "identifier": "S"},
                                                {"answer": {"en": "M"}, "identifier": "M"}]}, status=201).json
    child = api_client.post(BASE, {"question": {"en": "Why S?"}, "type": "S", "dependency_question": parent["id"],
                                   "dependency_values": ["S"]}, status=201).json
    assert child["dependency_question"] == parent["id"] and child["dependency_values"] == ["S"]
    assert child["dependency_value"] == "S"
    flag = api_client.post(BASE, {"question": {"en": "Diet?"}, "type": "B"}, status=201).json
    legacy = api_client.post(BASE, {"question": {"en": "Which?"}, "type": "T", "dependency_question": flag["id"],
                                    "dependency_value": "True"}, status=201).json
    assert legacy["dependency_values"] == ["True"]
    unknown = api_client.post(BASE, {"question": {"en": "x"}, "type": "S", "dependency_question": parent["id"],
                                     "dependency_values": ["XL"]}, status=400).json
    assert list(unknown) == ["dependency_values"]
    cleared = api_client.patch(f"{BASE}{child['id']}/", {"dependency_question": None}).json
    assert cleared["dependency_question"] is None and cleared["dependency_values"] == []
    api_client.delete(f"{BASE}{flag['id']}/")
    orphan = api_client.get(f"{BASE}{legacy['id']}/").json
    assert orphan["dependency_question"] is None and orphan["dependency_values"] == []
    assert api_client.patch(f"{BASE}{legacy['id']}/", {"required": True}).json["required"] is True


def test_field_errors_put_delete_filters(api_client, catalogue):
    assert api_client.post(BASE, {"question": {"en": "x"}}, status=400).json == {"type": ["This field is required."]}
    assert list(api_client.post(BASE, {"question": {"en": "x"}, "type": "ZZ"}, status=400).json) == ["type"]
    assert list(api_client.post(BASE, {"question": {"en": "x"}, "type": "C", "options": [
        {"answer": {"en": "a"}, "identifier": "a b"}]}, status=400).json) == ["options"]
    first = api_client.post(BASE, {"question": {"en": "Age"}, "type": "N", "identifier": "AGE",
                                   "valid_number_min": "18"}, status=201).json
    assert first["valid_number_min"] == "18"
    assert api_client.post(BASE, {"question": {"en": "Again"}, "type": "N", "identifier": "AGE"},
                           status=400).json == {"identifier": ["This identifier is already used for a different "
                                                               "question."]}
    replaced = api_client.put(f"{BASE}{first['id']}/", {"question": {"en": "Your age"}, "type": "N",
                                                       "required": True}).json
    assert replaced["identifier"] == "AGE" and replaced["required"] is True
    assert [q["identifier"] for q in api_client.get(BASE + "?required=true").json["results"]] == ["AGE"]
    assert api_client.get(BASE + "?identifier=AGE").json["count"] == 1
    stamp = api_client.get(BASE).headers["Last-Modified"]
    api_client.get(BASE, headers={**api_client.headers, "If-Modified-Since": stamp}, status=304)
    api_client.delete(f"{BASE}{first['id']}/")
    assert api_client.get(BASE).json["count"] == 0


def test_permissions(api_client, make_api_token, organizer, catalogue, db_session):
    from core.models import Organizer

    question = api_client.post(BASE, {"question": {"en": "x"}, "type": "S"}, status=201).json
    reader = make_api_token(organizer, ["event.orders:read"])
    assert api_client.get(f"{BASE}{question['id']}/", headers=reader).json["type"] == "S"
    assert api_client.patch(f"{BASE}{question['id']}/", {"required": True}, headers=reader, status=403)
    assert api_client.post(f"{BASE}{question['id']}/options/", {"answer": {"en": "a"}}, headers=reader, status=403)
    other = Organizer(slug="other", name="Other")
    db_session.add(other)
    db_session.flush()
    foreign = make_api_token(other, everything=True)
    assert api_client.get(f"{BASE}{question['id']}/options/", headers=foreign, status=403)


def test_list_queries_do_not_grow(api_client, catalogue, count_queries):
    parent = api_client.post(BASE, {"question": {"en": "Size?"}, "type": "C", "items": [catalogue.shirt.id],
                                    "options": [{"answer": {"en": "S"}, "identifier": "S"}]}, status=201).json
    few = count_queries(BASE)
    for n in range(5):
        api_client.post(BASE, {"question": {"en": f"Q{n}"}, "type": "S", "items": [catalogue.ticket.id],
                               "dependency_question": parent["id"], "dependency_values": ["S"],
                               "options": []}, status=201)
    assert count_queries(BASE) == few
