def test_healthz_answers_ok(app):
    response = app.get("/healthz")
    assert response.json == {"status": "ok", "database": "ok"}
