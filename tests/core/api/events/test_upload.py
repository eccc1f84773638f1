"""``POST /api/v1/upload``: allowed types and size, the id format, expiry and the periodic clean-up."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from core.models import ApiUpload
from core.services.uploads import MAX_SIZE, UploadError, delete_expired_uploads, resolve_upload, upload_dir

PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 32


def _headers(api_headers, content_type="image/png", disposition='attachment; filename="logo.png"'):
    headers = {**api_headers, "Content-Type": content_type}
    if disposition is not None:
        headers["Content-Disposition"] = disposition
    return headers


def test_upload_and_resolve(app, api_headers, db_session, organizer):
    answer = app.post("/api/v1/upload", PNG, headers=_headers(api_headers), status=201).json
    assert re.fullmatch(r"file:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", answer["id"])
    assert app.post("/api/v1/upload/", PNG, headers=_headers(api_headers, "application/pdf"), status=201)
    upload = db_session.get(ApiUpload, answer["id"][5:].replace("-", ""))
    assert upload.filename == "logo.png" and upload.size == len(PNG)
    identity = type("Identity", (), {"userid": upload.owner})()
    resolved = resolve_upload(db_session, identity, answer["id"])
    assert resolved.read() == PNG and resolved.filename == "logo.png"
    with pytest.raises(UploadError, match="not found"):
        resolve_upload(db_session, type("Other", (), {"userid": "token:0"})(), answer["id"])
    with pytest.raises(UploadError, match="not found"):
        resolve_upload(db_session, identity, answer["id"], now=datetime.now(UTC) + timedelta(days=2))
    assert delete_expired_uploads(db_session, now=datetime.now(UTC) + timedelta(days=2)) == 2
    assert not (upload_dir() / upload.id).exists()


def test_refused_uploads(app, api_headers, organizer):
    def refused(body: bytes, **kw: str | None) -> str:
        return app.post("/api/v1/upload", body, headers=_headers(api_headers, **kw), status=400).json["detail"]

    assert refused(PNG, content_type="text/html") == 'Content type "text/html" is not allowed'
    assert refused(PNG, disposition=None).startswith("Missing filename")
    assert refused(b"", content_type="image/gif") == "The submitted file is empty."
    assert refused(b"0" * (MAX_SIZE + 1)).startswith("The file is too large")
    anonymous = app.post("/api/v1/upload", PNG, headers={"Content-Type": "image/png"}, status="*")
    assert anonymous.status_int in (401, 403)
