from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal

import pytest

from core.i18n import I18nString
from core.settings.files import File, FileUpload
from core.settings.types import codec_for


@pytest.mark.parametrize(("python_type", "value", "text"), [
    (str, "hello", "hello"),
    (int, 42, "42"),
    (float, 1.5, "1.5"),
    (Decimal, Decimal("12.30"), "12.30"),
    (bool, True, "True"),
    (bool, False, "False"),
    (list, ["web", "box"], '["web", "box"]'),
    (dict, {"b": 1, "a": [2]}, '{"a": [2], "b": 1}'),
    (date, date(2030, 1, 31), "2030-01-31"),
    (datetime, datetime(2030, 1, 31, 12, 0, tzinfo=UTC), "2030-01-31T12:00:00+00:00"),
    (time, time(18, 30), "18:30:00"),
    (I18nString, I18nString({"en": "Hi", "de": "Hallo"}), '{"de": "Hallo", "en": "Hi"}'),
])
def test_values_round_trip_through_storage_text(python_type, value, text):
    codec = codec_for(python_type)
    assert codec.dump(codec.clean(value)) == text
    assert codec.load(text) == value


@pytest.mark.parametrize(("python_type", "bad"), [
    (str, 3),
    (int, "3"),
    (int, True),
    (int, 1.5),
    (float, "x"),
    (Decimal, "ten"),
    (Decimal, "NaN"),
    (bool, "yes"),
    (list, "a,b"),
    (list, [object()]),
    (dict, ["a"]),
    (date, "31.01.2030"),
    (date, datetime(2030, 1, 1, tzinfo=UTC)),
    (datetime, datetime(2030, 1, 1)),
    (datetime, "tomorrow"),
    (time, "25:00"),
    (I18nString, {"en": 3}),
    (File, b"bytes"),
])
def test_wrong_values_are_rejected_with_a_message(python_type, bad):
    with pytest.raises(ValueError, match=r"expected|needs|items|values"):
        codec_for(python_type).clean(bad)


def test_api_representation_is_json():
    assert codec_for(Decimal).to_json(Decimal("1.50")) == "1.50"
    assert codec_for(date).to_json(date(2030, 1, 2)) == "2030-01-02"
    assert codec_for(I18nString).to_json(I18nString({"en": "a"})) == {"en": "a"}


@pytest.mark.parametrize(("python_type", "text", "value"), [
    (bool, "yes", True),
    (bool, "0", False),
    (int, " 7 ", 7),
    (list, "web, box", ["web", "box"]),
    (list, '["a b"]', ["a b"]),
    (dict, '{"a": 1}', {"a": 1}),
    (I18nString, "plain", I18nString("plain")),
    (I18nString, '{"de": "Hallo"}', I18nString({"de": "Hallo"})),
    (Decimal, "0.5", Decimal("0.5")),
])
def test_deployment_text_is_parsed(python_type, text, value):
    assert codec_for(python_type).parse_text(text) == value


def test_files_cannot_come_from_deployment_text():
    with pytest.raises(ValueError, match="ini file"):
        codec_for(File).parse_text("/etc/passwd")


def test_file_uploads_are_accepted_by_the_file_codec():
    upload = FileUpload("logo.png", b"png")
    assert codec_for(File).clean(upload) is upload


def test_unsupported_types_are_named():
    with pytest.raises(TypeError, match=r"supported types: .*Decimal"):
        codec_for(complex)
