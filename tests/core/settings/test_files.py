from __future__ import annotations

import io

import pytest

from core.settings import FileUpload, SettingValueError, StoredFile


def test_a_file_setting_stores_the_file_and_reads_it_back(event_settings, settings_registry, tmp_path):
    acme = event_settings.plugin("acme")
    assert acme["logo"] is None
    acme.set("logo", FileUpload("Logo.PNG", b"\x89PNG data"))
    logo = acme["logo"]
    assert isinstance(logo, StoredFile)
    assert logo.path.parent == tmp_path / "files" / "settings"
    assert logo.name.endswith(".png")
    assert logo.url == f"http://tickets.example/media/settings/{logo.name}"
    with logo.open() as handle:
        assert handle.read() == b"\x89PNG data"
    from core.settings import store

    (stored,) = store.load(event_settings.session, [event_settings.level])
    assert stored["plugin.acme.logo"] == f"file://{logo.name}"
    assert event_settings.explain(keys=["plugin.acme.logo"])["plugin.acme.logo"]["value"] == logo.url


def test_uploads_may_be_open_files(event_settings):
    event_settings.plugin("acme").set("logo", FileUpload("logo.svg", io.BytesIO(b"<svg/>")))
    assert event_settings.plugin("acme")["logo"].path.read_bytes() == b"<svg/>"


def test_deleting_the_setting_deletes_the_file_after_commit(event_settings, tm):
    acme = event_settings.plugin("acme")
    acme.set("logo", FileUpload("logo.png", b"one"))
    tm.commit()
    tm.begin()
    path = acme["logo"].path
    acme.delete("logo")
    assert acme["logo"] is None
    assert path.exists()
    tm.commit()
    tm.begin()
    assert not path.exists()


def test_replacing_a_file_deletes_the_old_one_after_commit(event_settings, tm):
    acme = event_settings.plugin("acme")
    acme.set("logo", FileUpload("logo.png", b"one"))
    tm.commit()
    tm.begin()
    old = acme["logo"].path
    acme.set("logo", FileUpload("logo.png", b"two"))
    new = acme["logo"].path
    tm.commit()
    tm.begin()
    assert not old.exists()
    assert new.read_bytes() == b"two"


def test_an_aborted_transaction_removes_its_new_file_and_keeps_the_old(event_settings, tm):
    acme = event_settings.plugin("acme")
    acme.set("logo", FileUpload("logo.png", b"one"))
    tm.commit()
    tm.begin()
    old = acme["logo"].path
    acme.set("logo", FileUpload("logo.png", b"two"))
    new = acme["logo"].path
    tm.abort()
    tm.begin()
    assert old.read_bytes() == b"one"
    assert not new.exists()


def test_file_settings_take_uploads_only(event_settings):
    with pytest.raises(SettingValueError, match="expected a FileUpload"):
        event_settings.plugin("acme").set("logo", b"raw bytes")


def test_stored_files_are_read_only_and_names_are_checked(settings_registry):
    files = settings_registry.settings_schema.files
    with pytest.raises(ValueError, match="not the name of a stored setting file"):
        files.get("../../etc/passwd")
    with pytest.raises(ValueError, match="read-only"):
        files.get("0" * 32 + ".png").open("wb")


def test_stored_files_are_served(app, registry, db_session):
    files = registry.settings_schema.files
    stored = files.save(FileUpload("hello.txt", b"hello"))
    try:
        assert app.get(f"/media/settings/{stored.name}").body == b"hello"
    finally:
        files.delete(stored.name)
