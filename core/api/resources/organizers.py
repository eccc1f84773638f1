"""``/organizers/``: the organizers the caller can reach (list, detail) and changing one (PUT/PATCH)."""

from __future__ import annotations

from typing import Any

from pydantic import Field
from pyramid.config import Configurator
from pyramid.request import Request
from sqlalchemy import select

from core.api.endpoints import ANY_PRINCIPAL
from core.api.pagination import Ordering, paginate
from core.api.resources.access import organizer_condition
from core.api.schemas import ApiInput, ApiModel, partial
from core.db import scopes_disabled
from core.models import Organizer, OrganizerPlugin
from core.security.permissions import MEMBER
from core.services.organizers import update_organizer

WRITE = "organizer.settings.general:write"
LIST = "/organizers/"
DETAIL = "/organizers/{organizer}/"


class OrganizerOut(ApiModel):
    name: str
    slug: str
    public_url: str
    plugins: list[str]


class OrganizerIn(ApiInput):
    name: str = Field(min_length=1, max_length=200)
    plugins: list[str] | None = None


OrganizerPatch = partial(OrganizerIn)


def site_url(request: Request) -> str:
    """The public base URL (``ticketry.site_url``) without a trailing slash."""
    return str(request.registry.settings.get("ticketry.site_url") or request.application_url).rstrip("/")


def render_organizers(request: Request, organizers: list[Organizer]) -> list[dict[str, Any]]:
    """pretix's organizer JSON; the enabled plugins of the whole page come from one query."""
    plugins: dict[int, list[str]] = {o.id: [] for o in organizers}
    with scopes_disabled():
        rows = request.dbsession.execute(select(OrganizerPlugin.organizer_id, OrganizerPlugin.plugin).where(
            OrganizerPlugin.organizer_id.in_(list(plugins))).order_by(OrganizerPlugin.plugin))
        for organizer_id, name in rows:
            plugins[organizer_id].append(name)
    base = site_url(request)
    return [{"name": o.name, "slug": o.slug, "public_url": f"{base}/{o.slug}/", "plugins": plugins[o.id]}
            for o in organizers]


def list_organizers(request: Request) -> dict[str, Any]:
    stmt = select(Organizer).where(organizer_condition(request))
    return paginate(request, stmt, lambda rows: render_organizers(request, rows),
                    ordering=Ordering({"slug": Organizer.slug, "name": Organizer.name}, default=("slug",),
                                      pk=Organizer.id))


def get_organizer(request: Request) -> dict[str, Any]:
    return render_organizers(request, [request.context.organizer])[0]


def update(request: Request) -> dict[str, Any]:
    body = request.api_body
    organizer = request.context.organizer
    sent = body.model_fields_set
    update_organizer(request.dbsession, organizer, name=body.name if "name" in sent else None,
                     plugins=body.plugins if "plugins" in sent else None, actor=request.identity)
    return render_organizers(request, [organizer])[0]


def includeme(config: Configurator) -> None:
    tags = ("organizers",)
    config.add_api_view(list_organizers, path=LIST, permission=ANY_PRINCIPAL, response=OrganizerOut, paginated=True,
                        summary="The organizers the caller can reach", tags=tags)
    config.add_api_view(get_organizer, path=DETAIL, permission=MEMBER, response=OrganizerOut,
                        summary="Get an organizer", tags=tags)
    config.add_api_view(update, path=DETAIL, method="PUT", permission=WRITE, body=OrganizerIn,
                        response=OrganizerOut, summary="Replace an organizer's name and plugins", tags=tags)
    config.add_api_view(update, path=DETAIL, method="PATCH", permission=WRITE, body=OrganizerPatch,
                        response=OrganizerOut, summary="Change an organizer's name or plugins", tags=tags)
