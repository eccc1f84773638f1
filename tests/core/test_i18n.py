from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
import webtest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from pyramid.config import Configurator
from pyramid.request import Request
from sqlalchemy import select

from core.configuration import ConfigurationError
from core.db import scopes_disabled
from core.i18n import (
    I18nString,
    _,
    fallback_chain,
    locale_negotiator,
    localize,
    negotiate_locale,
    translator,
)
from core.models import Event
from core.settings import settings_for
from core.settings.schema import CORE_SETTINGS

LOCALE_DIR = Path(__file__).resolve().parents[2] / "core" / "locale"


def test_fallback_chain_goes_from_variant_to_language_to_english():
    assert fallback_chain("de-formal") == ["de-formal", "de", "en"]
    assert fallback_chain("de_AT") == ["de_AT", "de", "en"]
    assert fallback_chain("en") == ["en"]
    assert fallback_chain(None) == ["en"]


@pytest.mark.parametrize(("data", "locale", "expected"), [
    ({"en": "Concert", "de": "Konzert"}, "de", "Konzert"),
    ({"en": "Concert", "de": "Konzert"}, "de-formal", "Konzert"),
    ({"en": "Concert", "de-formal": "Ihr Konzert", "de": "Konzert"}, "de-formal", "Ihr Konzert"),
    ({"en": "Concert", "de": ""}, "de", "Concert"),
    ({"fr": "Concert FR", "nl": "Concert NL"}, "de", "Concert FR"),
    ({}, "de", ""),
    ("Plain", "de", "Plain"),
])
def test_i18n_strings_fall_back(data, locale, expected):
    assert I18nString(data).localize(locale) == expected


def test_i18n_strings_compare_and_test_truth():
    assert I18nString({"en": "a"}) == {"en": "a"}
    assert I18nString("a") == "a"
    assert not I18nString({"en": ""})
    assert I18nString(I18nString({"en": "a"})).data == {"en": "a"}


def test_translated_json_round_trips_through_the_database(db_session, event):
    db_session.expire_all()
    with scopes_disabled():
        loaded = db_session.scalar(select(Event).where(Event.id == event.id))
    assert isinstance(loaded.name, I18nString)
    assert loaded.name.localize("de") == "Konferenz"


@pytest.mark.parametrize(("header", "expected"), [
    (None, "en"),
    ("de", "de"),
    ("de-AT,de;q=0.9", "de"),
    ("fr;q=1.0, de;q=0.5", "de"),
    ("fr, es", "en"),
    ("de;q=0, en;q=0.1", "en"),
    ("DE-ch", "de"),
    ("de;q=abc, en", "en"),
])
def test_accept_language_negotiation(header, expected):
    assert negotiate_locale(header, ["en", "de"], "en") == expected


def _app(identity=None) -> webtest.TestApp:
    config = Configurator(settings={"ticketry.locales": ("en", "de"), "ticketry.default_locale": "en"})
    config.include("core.i18n")

    class Policy:
        def identity(self, request):
            return identity

        def authenticated_userid(self, request):
            return None

        def permits(self, request, context, permission):
            return True

    config.set_security_policy(Policy())

    def view(request):
        return {"locale": request.locale_name, "label": localize(request, _("Reservation period")),
                "plain": translator(request)("Time zone")}

    config.add_route("probe", "/probe")
    config.add_view(view, route_name="probe", renderer="json")
    return webtest.TestApp(config.make_wsgi_app())


def test_negotiation_order_query_cookie_user_header_default():
    app = _app()
    assert app.get("/probe").json["locale"] == "en"
    assert app.get("/probe", headers={"Accept-Language": "de-DE,de;q=0.9"}).json["locale"] == "de"
    assert app.get("/probe", headers={"Accept-Language": "fr"}).json["locale"] == "en"
    app.set_cookie("ticketry_locale", "de")
    assert app.get("/probe", headers={"Accept-Language": "en"}).json["locale"] == "de"
    assert app.get("/probe?locale=en").json["locale"] == "en"
    assert app.get("/probe?locale=xx").json["locale"] == "de"

    with_user = _app(identity=SimpleNamespace(user=SimpleNamespace(locale="de")))
    assert with_user.get("/probe", headers={"Accept-Language": "en"}).json["locale"] == "de"
    assert with_user.get("/probe?locale=en").json["locale"] == "en"


def test_core_messages_are_translated_in_the_negotiated_language():
    app = _app()
    german = app.get("/probe?locale=de").json
    assert german["label"] == "Reservierungsdauer"
    assert german["plain"] == "Zeitzone"
    assert app.get("/probe").json["label"] == "Reservation period"


def test_event_pages_offer_the_event_languages(db_session, event, registry):
    settings = settings_for(db_session, event, registry)
    settings.set("locales", ["de", "fr"])
    settings.set("locale", "de")
    request = Request.blank("/", headers={"Accept-Language": "en, fr;q=0.5"})
    request.registry = registry
    request.dbsession = db_session
    request.context = SimpleNamespace(event=event)
    assert locale_negotiator(request) == "fr"
    request = Request.blank("/", headers={"Accept-Language": "en"})
    request.registry = registry
    request.dbsession = db_session
    request.context = SimpleNamespace(event=event)
    assert locale_negotiator(request) == "de"


def test_plain_values_localize_to_themselves():
    request = Request.blank("/")
    assert localize(request, None) == ""
    assert localize(request, "as is") == "as is"


@pytest.mark.parametrize(("settings", "message"), [
    ({"ticketry.locales": ("en", "Deutsch!"), "ticketry.default_locale": "en"}, "bad locale 'Deutsch!'"),
    ({"ticketry.locales": ("en",), "ticketry.default_locale": "de"}, "not one of ticketry.locales"),
])
def test_bad_locale_configuration_is_named(settings, message):
    config = Configurator(settings=settings)
    with pytest.raises(ConfigurationError, match=message):
        config.include("core.i18n")


def test_german_catalog_translates_every_core_setting_label_and_is_compiled():
    with (LOCALE_DIR / "ticketry.pot").open("rb") as handle:
        template = {m.id for m in read_po(handle) if m.id}
    with (LOCALE_DIR / "de" / "LC_MESSAGES" / "ticketry.po").open("rb") as handle:
        po = {m.id: m.string for m in read_po(handle) if m.id}
    with (LOCALE_DIR / "de" / "LC_MESSAGES" / "ticketry.mo").open("rb") as handle:
        mo = {m.id: m.string for m in read_mo(handle) if m.id}
    labels = {str(s.label) for s in CORE_SETTINGS} | {str(s.doc) for s in CORE_SETTINGS if s.doc}
    assert labels <= template
    assert template == set(po)
    assert all(po.values())
    assert mo == po
