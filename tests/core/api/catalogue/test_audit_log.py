"""Every catalogue change through the API is audit-logged with pretix's action type, on the object pretix uses."""

from __future__ import annotations

from sqlalchemy import select

EVENT = "/organizers/demo/events/conf/"


def _actions(db_session, object_type):
    from core.models import LogEntry

    return [row.action_type for row in db_session.scalars(
        select(LogEntry).where(LogEntry.object_type == object_type).order_by(LogEntry.id))]


def test_item_life_cycle_is_logged_on_the_item(api_client, catalogue, db_session):
    category = api_client.post(EVENT + "categories/", {"name": {"en": "Extras"}, "is_addon": True}, status=201).json
    item = api_client.post(EVENT + "items/", {
        "name": {"en": "Box"}, "variations": [{"value": {"en": "a"}}, {"value": {"en": "b"}}],
        "addons": [{"addon_category": category["id"]}], "bundles": [{"bundled_item": catalogue.ticket.id}],
    }, status=201).json
    base = f"{EVENT}items/{item['id']}/"
    api_client.patch(base, {"active": False})
    api_client.delete(f"{base}variations/{item['variations'][1]['id']}/")
    api_client.patch(f"{base}addons/{item['addons'][0]['id']}/", {"max_count": 2})
    api_client.delete(f"{base}bundles/{item['bundles'][0]['id']}/")
    api_client.delete(base)
    api_client.delete(f"{EVENT}categories/{category['id']}/")
    assert _actions(db_session, "item") == [
        "pretix.event.item.added", "pretix.event.item.variation.added", "pretix.event.item.variation.added",
        "pretix.event.item.addons.added", "pretix.event.item.bundles.added", "pretix.event.item.changed",
        "pretix.event.item.variation.deleted", "pretix.event.item.addons.changed",
        "pretix.event.item.bundles.removed", "pretix.event.item.deleted",
    ]
    assert _actions(db_session, "item_category") == ["pretix.event.category.added", "pretix.event.category.deleted"]


def test_questions_quotas_discounts_are_logged(api_client, catalogue, db_session):
    question = api_client.post(EVENT + "questions/", {"question": {"en": "Q"}, "type": "C",
                                                      "options": [{"answer": {"en": "a"}}]}, status=201).json
    option = api_client.post(f"{EVENT}questions/{question['id']}/options/", {"answer": {"en": "b"}}, status=201).json
    api_client.delete(f"{EVENT}questions/{question['id']}/options/{option['id']}/")
    api_client.delete(f"{EVENT}questions/{question['id']}/")
    assert _actions(db_session, "question") == [
        "pretix.event.question.added", "pretix.event.question.option.added", "pretix.event.question.option.deleted",
        "pretix.event.question.deleted"]
    api_client.patch(f"{EVENT}quotas/{catalogue.ticket_quota.id}/", {"size": 3})
    api_client.delete(f"{EVENT}quotas/{catalogue.shirt_quota.id}/")
    assert _actions(db_session, "quota") == ["pretix.event.quota.changed", "pretix.event.quota.deleted"]
    discount = api_client.post(EVENT + "discounts/", {"internal_name": "d", "condition_min_count": 2,
                                                      "benefit_discount_matching_percent": "5"}, status=201).json
    api_client.delete(f"{EVENT}discounts/{discount['id']}/")
    assert _actions(db_session, "discount") == ["pretix.event.discount.added", "pretix.event.discount.deleted"]
