"""``POST /organizers/{o}/events/{e}/clone/``: a new event from the body, filled with a copy of event ``e``.

The body is an event as for creating one. Catalogue, settings, plugins and series dates are copied from
the source (:func:`core.services.event_clone.copy_event_data`); ``plugins`` and ``is_public`` take the
body's values when given, else the source's. Needs ``organizer.events:create``; only within one organizer.
"""

from __future__ import annotations

from typing import Any

from pyramid.config import Configurator
from pyramid.request import Request

from core.api.errors import ValidationFailed
from core.api.resources.event_render import render_events
from core.api.resources.events import CREATE, NOT_LIVE, EventIn, EventOut, channel_values
from core.pluginhost.activation import enabled_names
from core.services.event_changes import configure_new_event, set_plugins
from core.services.event_clone import copy_event_data
from core.services.events import create_event

PATH = "/organizers/{organizer}/events/{event}/clone/"


def clone(request: Request) -> dict[str, Any]:
    body = request.api_body
    source = request.context.event
    session = request.dbsession
    sent = set(body.model_fields_set)
    if body.live:
        raise ValidationFailed({"live": [NOT_LIVE]})
    if body.has_subevents != source.has_subevents and "has_subevents" in sent:
        raise ValidationFailed({"has_subevents": [
            "Once created an event cannot change between an series and a single event."]})
    target = create_event(
        session, source.organizer, body.slug, body.name, body.date_from, body.currency,
        date_to=body.date_to, date_admission=body.date_admission, presale_start=body.presale_start,
        presale_end=body.presale_end, location=body.location, timezone=body.timezone or source.timezone,
        is_public=body.is_public if "is_public" in sent else source.is_public, testmode=body.testmode,
        has_subevents=source.has_subevents, actor=request.identity,
    )
    copy_event_data(session, source, target, actor=request.identity, shift=target.date_from - source.date_from)
    extras: dict[str, Any] = {"geo_lat": body.geo_lat, "geo_lon": body.geo_lon, "meta_data": body.meta_data,
                              "item_meta_properties": body.item_meta_properties}
    if "all_sales_channels" not in sent and "sales_channels" not in sent and "limit_sales_channels" not in sent:
        extras.update(all_sales_channels=source.all_sales_channels,
                      limit_sales_channels=list(source.limit_sales_channels))
    extras.update(channel_values(request, body, sent))
    configure_new_event(session, target, extras, actor=request.identity)
    set_plugins(session, target, body.plugins if body.plugins is not None else enabled_names(session, source),
                actor=request.identity)
    return render_events(request, [target], valid_keys=False)[0]


def includeme(config: Configurator) -> None:
    config.add_api_view(clone, path=PATH, method="POST", permission=CREATE, body=EventIn, response=EventOut,
                        status=201, summary="Create an event as a copy of this one", tags=("events",))
