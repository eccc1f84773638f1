"""``/organizers/{o}/webhooks/``: webhooks (pretix's CRUD), plus Ticketry-only secret rotation and delivery log.

pretix's body is ``{enabled, target_url, all_events, limit_events (event slugs), action_types, comment}``.
Ticketry adds a signing secret: the answer of the create call (and of ``rotate_secret/``) carries it
in ``secret``; no other answer shows it. Ticketry-only endpoints: ``…/{id}/rotate_secret/``,
``…/{id}/calls/`` (the delivery log) and ``…/{id}/calls/{call}/resend/``.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from pydantic import Field
from pyramid.config import Configurator
from pyramid.request import Request
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.api.endpoints import actor
from core.api.errors import ValidationFailed
from core.api.pagination import Ordering, get_object, paginate
from core.api.schemas import ApiInput, ApiModel, partial
from core.models.webhooks import Webhook, WebhookCall
from core.services.webhooks import (
    create_webhook,
    delete_webhook,
    events_by_slug,
    resend_call,
    rotate_secret,
    update_webhook,
)

PERMISSION = "organizer.settings.general:write"
LIST = "/organizers/{organizer}/webhooks/"
DETAIL = LIST + r"{id:\d+}/"
CALLS = DETAIL + "calls/"
TAGS = ("webhooks",)


class WebhookOut(ApiModel):
    id: int
    enabled: bool
    target_url: str
    all_events: bool
    limit_events: list[str]
    action_types: list[str]
    comment: str | None


class WebhookCreated(WebhookOut):
    secret: str = Field(description="Ticketry only: the HMAC-SHA256 signing key, shown in this answer only.")


class WebhookIn(ApiInput):
    enabled: bool = True
    target_url: str = Field(max_length=255)
    all_events: bool = True
    limit_events: list[str] = Field(default_factory=list)
    action_types: list[str]
    comment: str | None = None


WebhookPatch = partial(WebhookIn)


class SecretOut(ApiModel):
    secret: str


class WebhookCallOut(ApiModel):
    id: int
    datetime: datetime
    target_url: str
    action_type: str
    notification_id: int | None
    payload: Any
    is_retry: bool
    execution_time: float | None
    return_code: int
    success: bool
    response_body: str | None


def render(webhook: Webhook) -> dict[str, Any]:
    return {
        "id": webhook.id, "enabled": webhook.enabled, "target_url": webhook.target_url,
        "all_events": webhook.all_events, "limit_events": sorted(ev.slug for ev in webhook.limit_events),
        "action_types": list(webhook.action_types), "comment": webhook.comment,
    }


def render_call(call: WebhookCall) -> dict[str, Any]:
    out = WebhookCallOut.model_validate(call).model_dump(mode="json")
    out["payload"] = json.loads(call.payload)
    return out


def _webhook(request: Request) -> Webhook:
    return get_object(request, select(Webhook).options(selectinload(Webhook.limit_events)).where(
        Webhook.organizer_id == request.context.organizer.id, Webhook.id == int(request.matchdict["id"])))


def _values(request: Request, fields: set[str] | None = None) -> dict[str, Any]:
    values = request.api_body.model_dump(include=fields)
    nulls = {key: ["This field may not be null."] for key, value in values.items()
             if value is None and key != "comment"}
    if nulls:
        raise ValidationFailed(nulls)
    if "limit_events" in values:
        values["limit_events"] = events_by_slug(request.dbsession, request.context.organizer, values["limit_events"])
    return values


def list_webhooks(request: Request) -> dict[str, Any]:
    stmt = select(Webhook).options(selectinload(Webhook.limit_events)).where(
        Webhook.organizer_id == request.context.organizer.id)
    return paginate(request, stmt, lambda rows: [render(r) for r in rows],
                    ordering=Ordering({"id": Webhook.id}, default=("id",), pk=Webhook.id))


def get_webhook(request: Request) -> dict[str, Any]:
    return render(_webhook(request))


def create(request: Request) -> dict[str, Any]:
    webhook = create_webhook(request.dbsession, request.context.organizer, **_values(request), **actor(request))
    return {**render(webhook), "secret": webhook.secret}


def update(request: Request) -> dict[str, Any]:
    fields = set(request.api_body.model_fields_set) if request.method == "PATCH" else None
    webhook = _webhook(request)
    update_webhook(request.dbsession, webhook, **_values(request, fields), **actor(request))
    return render(webhook)


def delete(request: Request) -> None:
    delete_webhook(request.dbsession, _webhook(request), **actor(request))


def rotate(request: Request) -> dict[str, Any]:
    return {"secret": rotate_secret(request.dbsession, _webhook(request), **actor(request))}


def list_calls(request: Request) -> dict[str, Any]:
    webhook = _webhook(request)
    stmt = select(WebhookCall).where(WebhookCall.webhook_id == webhook.id)
    return paginate(request, stmt, lambda rows: [render_call(r) for r in rows],
                    ordering=Ordering({"id": WebhookCall.id, "datetime": WebhookCall.datetime}, default=("-id",),
                                      pk=WebhookCall.id))


def resend(request: Request) -> None:
    webhook = _webhook(request)
    call = get_object(request, select(WebhookCall).where(
        WebhookCall.webhook_id == webhook.id, WebhookCall.id == int(request.matchdict["call"])))
    resend_call(request.dbsession, call)


def includeme(config: Configurator) -> None:
    add = config.add_api_view
    add(list_webhooks, path=LIST, permission=PERMISSION, response=WebhookOut, paginated=True,
        summary="List the webhooks of an organizer", tags=TAGS)
    add(create, path=LIST, method="POST", permission=PERMISSION, body=WebhookIn, response=WebhookCreated, status=201,
        summary="Create a webhook (the answer carries its signing secret, Ticketry only)", tags=TAGS)
    add(get_webhook, path=DETAIL, permission=PERMISSION, response=WebhookOut, summary="Get a webhook", tags=TAGS)
    add(update, path=DETAIL, method="PUT", permission=PERMISSION, body=WebhookIn, response=WebhookOut,
        summary="Replace a webhook", tags=TAGS)
    add(update, path=DETAIL, method="PATCH", permission=PERMISSION, body=WebhookPatch, response=WebhookOut,
        summary="Change a webhook", tags=TAGS)
    add(delete, path=DETAIL, method="DELETE", permission=PERMISSION, status=204,
        summary="Delete a webhook with its delivery log", tags=TAGS)
    add(rotate, path=DETAIL + "rotate_secret/", method="POST", permission=PERMISSION, response=SecretOut,
        summary="Replace the signing secret and return the new one (Ticketry only)", tags=TAGS)
    add(list_calls, path=CALLS, permission=PERMISSION, response=WebhookCallOut, paginated=True,
        summary="List the delivery attempts of a webhook, newest first (Ticketry only)", tags=TAGS)
    add(resend, path=CALLS + r"{call:\d+}/resend/", method="POST", permission=PERMISSION, status=202,
        summary="Queue one more delivery of a logged call (Ticketry only)", tags=TAGS)
