"""The API dispatcher: session auth with CSRF, plugin endpoints, HEAD, lock timeouts, body limits."""

from __future__ import annotations

from typing import Any

import pytest

from core.api.endpoints import MAX_BODY_BYTES
from core.pluginhost import enable_plugin

BASE = "/api/v1/organizers/demo/events/conf/taxrules/"
PLUGIN = "/api/v1/organizers/demo/events/conf/testplugin/hello/"


def test_session_auth_needs_the_csrf_token(app: Any, login: Any, user: Any, team: Any, event: Any) -> None:
    login(user)
    assert app.get(BASE).json["count"] == 0
    body = {"name": {"en": "VAT"}, "rate": "19"}
    refused = app.post_json(BASE, body, status=403).json
    assert refused["detail"].startswith("CSRF Failed")
    token = app.get("/control/login").html.find("input", {"name": "csrf_token"})
    csrf = token["value"] if token is not None else app.cookies.get("csrf_token", "")
    assert csrf
    app.post_json(BASE, body, headers={"X-CSRF-Token": csrf}, status=201)


def test_plugin_endpoint_is_404_until_the_plugin_is_active(app: Any, db_session: Any, event: Any,
                                                           api_headers: dict[str, str]) -> None:
    app.get(PLUGIN, headers=api_headers, status=404)
    enable_plugin(db_session, event, "testplugin")
    assert app.get(PLUGIN, headers=api_headers).json == {"plugin": "testplugin", "event": "conf"}
    app.get(PLUGIN, status=401)


def test_plugin_endpoints_are_in_the_openapi_document(app: Any) -> None:
    paths = app.get("/api/v1/openapi.json").json["paths"]
    assert paths["/api/v1/organizers/{organizer}/events/{event}/testplugin/hello/"]["get"]["tags"] == ["testplugin"]


def test_head_answers_like_get_without_a_body(app: Any, api_headers: dict[str, str], event: Any) -> None:
    response = app.head(BASE, headers=api_headers)
    assert response.status_int == 200 and response.body == b""


def test_oversized_body_is_refused(app: Any, api_headers: dict[str, str], event: Any) -> None:
    big = b'{"name": {"en": "' + b"x" * (MAX_BODY_BYTES + 1) + b'"}, "rate": "1"}'
    response = app.post(BASE, big, headers={**api_headers, "Content-Type": "application/json"}, status=400)
    assert "too large" in response.json["detail"]


def test_lock_timeout_answers_409_with_retry_after(app: Any, api_headers: dict[str, str], event: Any,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from core.api.resources import taxrules
    from core.locking import LockTimeout

    def busy(*args: Any, **kwargs: Any) -> None:
        raise LockTimeout("busy", retry_after=5)

    monkeypatch.setattr(taxrules, "create_tax_rule", busy)
    response = app.post_json(BASE, {"name": {"en": "x"}, "rate": "1"}, headers=api_headers, status=409)
    assert response.headers["Retry-After"] == "5"
    assert "detail" in response.json


def test_unexpected_errors_are_json_500_and_roll_back(app: Any, api_headers: dict[str, str], event: Any,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from core.api.resources import taxrules

    real = taxrules.render

    def broken(rule: Any) -> Any:
        raise RuntimeError("renderer bug")

    monkeypatch.setattr(taxrules, "render", broken)
    response = app.post_json(BASE, {"name": {"en": "x"}, "rate": "1"}, headers=api_headers, status=500)
    assert response.json == {"detail": "Internal server error."}
    monkeypatch.setattr(taxrules, "render", real)
    assert app.get(BASE, headers=api_headers).json["count"] == 0


def test_a_bad_page_size_falls_back_to_the_default(app: Any, api_headers: dict[str, str], event: Any) -> None:
    response = app.get(BASE + "?page_size=abc", headers=api_headers)
    assert response.status_int == 200


def test_paths_answer_without_the_trailing_slash(app: Any, api_headers: dict[str, str], event: Any) -> None:
    assert app.get("/api/v1/version", status=200).json == app.get("/api/v1/version/").json
    assert app.get("/api/v1/me", headers=api_headers).json["organizer"] == "demo"
    assert app.get(BASE.rstrip("/"), headers=api_headers).json["count"] == 0


def test_values_no_column_can_hold_are_refused(app: Any, api_headers: dict[str, str], event: Any) -> None:
    headers = {**api_headers, "Content-Type": "application/json"}
    nul = app.post(BASE, '{"name": {"en": "a\\u0000b"}, "rate": "1"}', headers=headers, status=400).json
    assert nul == {"name": {"en": ["Null characters are not allowed."]}}
    assert app.get(BASE + "99999999999999999999999/", headers=api_headers, status=404)
    assert app.get(BASE + "?ordering=%00", headers=api_headers, status=400)
    app.post(BASE, b"--x\r\n", headers={**api_headers, "Content-Type": "multipart/form-data"}, status=400)
    assert app.get(BASE, headers=api_headers).json["count"] == 0


def test_database_refusals_are_client_errors(app: Any, api_headers: dict[str, str], event: Any,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from sqlalchemy.exc import DataError, IntegrityError

    from core.api.resources import taxrules

    def refuse(error: type[Exception]) -> Any:
        def create(*args: Any, **kwargs: Any) -> None:
            raise error("INSERT ...", {}, Exception("refused"))
        return create

    monkeypatch.setattr(taxrules, "create_tax_rule", refuse(DataError))
    app.post_json(BASE, {"name": {"en": "x"}, "rate": "1"}, headers=api_headers, status=400)
    monkeypatch.setattr(taxrules, "create_tax_rule", refuse(IntegrityError))
    assert app.post_json(BASE, {"name": {"en": "x"}, "rate": "1"}, headers=api_headers,
                         status=409).headers["Retry-After"] == "1"


class _FailingAtCommit:
    """A transaction data manager whose vote fails, as a database refusing the commit would."""

    transaction_manager = None

    def __init__(self, error: Exception) -> None:
        self.error = error

    def abort(self, txn: Any) -> None:
        pass

    def tpc_begin(self, txn: Any) -> None:
        pass

    def commit(self, txn: Any) -> None:
        pass

    def tpc_vote(self, txn: Any) -> None:
        raise self.error

    def tpc_finish(self, txn: Any) -> None:
        pass

    def tpc_abort(self, txn: Any) -> None:
        pass

    def sortKey(self) -> str:
        return "~failing"


@pytest.mark.parametrize(("error", "status"), [("integrity", 409), ("busy", 503), ("other", 500)])
def test_failures_at_commit_are_json_answers(app: Any, api_headers: dict[str, str], event: Any,
                                             monkeypatch: pytest.MonkeyPatch, error: str, status: int) -> None:
    from sqlalchemy.exc import IntegrityError, OperationalError

    from core.api.resources import taxrules

    errors = {"integrity": IntegrityError("INSERT", {}, Exception("duplicate")),
              "busy": OperationalError("COMMIT", {}, Exception("database is locked")),
              "other": RuntimeError("disk on fire")}
    real = taxrules.create_tax_rule

    def create(session: Any, *args: Any, **kwargs: Any) -> Any:
        session.info["tm"].get().join(_FailingAtCommit(errors[error]))
        return real(session, *args, **kwargs)

    monkeypatch.setattr(taxrules, "create_tax_rule", create)
    response = app.post_json(BASE, {"name": {"en": "x"}, "rate": "1"}, headers=api_headers, status=status)
    assert "detail" in response.json
