"""Reading statements: amounts, dates, CSV with column mappings and encodings, MT940."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from plugins.payment_banktransfer.importer import (
    CsvMapping,
    StatementError,
    parse_amount,
    parse_csv,
    parse_date,
    parse_mt940,
)


@pytest.mark.parametrize(("text", "expected"), [
    ("1.234,56", "1234.56"),
    ("1,234.56", "1234.56"),
    ("-12.5", "-12.5"),
    ("12,5", "12.5"),
    ("23,00 EUR", "23.00"),
    ("12,50-", "-12.50"),
    ("+5", "5"),
    ("1.234.567,89", "1234567.89"),
    ("1.234", "1234"),
    ("0,123", "0.123"),
    ("(3.00)", "-3.00"),
    ("€ 1 234,56", "1234.56"),
])
def test_parse_amount(text, expected):
    assert parse_amount(text) == Decimal(expected)


@pytest.mark.parametrize("text", ["", "abc", "1,2,3.4.5,6", "--", "1.2.3,4,5"])
def test_parse_amount_refuses_garbage(text):
    with pytest.raises(ValueError, match="not an amount"):
        parse_amount(text)


@pytest.mark.parametrize(("text", "expected"), [
    ("2024-01-15", dt.date(2024, 1, 15)), ("15.01.2024", dt.date(2024, 1, 15)), ("15.01.24", dt.date(2024, 1, 15)),
    ("15/01/2024", dt.date(2024, 1, 15)), ("20240115", dt.date(2024, 1, 15)), ("soon", None),
])
def test_parse_date(text, expected):
    assert parse_date(text) == expected


GERMAN = (
    "Buchungstag;Verwendungszweck;Verwendungszweck 2;Auftraggeber;IBAN;BIC;Betrag\n"
    "15.01.2024;CONF-ABCDE Müller;;Jörg Müller;DE89 3704 0044 0532 0130 00;COBADEFFXXX;1.234,56\n"
    "\n"
    "16.01.2024;Miete;;Hausverwaltung;;;-500,00\n"
    "17.01.2024;kaputt;;X;;;zwölf\n"
)


def test_csv_with_header_names_latin1():
    mapping = CsvMapping(date="Buchungstag", amount="Betrag", reference=("Verwendungszweck", "Verwendungszweck 2"),
                         payer=("Auftraggeber",), iban="IBAN", bic="BIC")
    lines = parse_csv(GERMAN.encode("latin-1"), mapping)
    assert len(lines) == 3
    first = lines[0]
    assert (first.amount, first.reference, first.payer) == (Decimal("1234.56"), "CONF-ABCDE Müller", "Jörg Müller")
    assert (first.date, first.iban, first.bic) == (dt.date(2024, 1, 15), "DE89370400440532013000", "COBADEFFXXX")
    assert lines[1].amount == Decimal("-500.00")
    assert lines[2].amount is None and "Row 5" in lines[2].error
    assert len({line.checksum for line in lines}) == 3


def test_csv_by_index_utf8_comma_without_header():
    data = "2024-01-15,Payment CONF ABC DE,Jane,23.00\n2024-01-15,Payment CONF ABC DE,Jane,23.00\n"
    mapping = CsvMapping(date=0, amount=3, reference=(1,), payer=(2,), has_header=False)
    lines = parse_csv(data.encode(), mapping)
    assert [line.amount for line in lines] == [Decimal("23.00")] * 2
    assert lines[0].checksum != lines[1].checksum
    assert [line.checksum for line in parse_csv(data.encode(), mapping)] == [line.checksum for line in lines]


def test_csv_mapping_errors_name_the_problem():
    with pytest.raises(StatementError, match=r"no column .Amount..*Buchungstag") as info:
        parse_csv(GERMAN.encode(), CsvMapping(date=0, amount="Amount", reference=(1,)))
    assert info.value.key == "banktransfer_file_invalid"
    with pytest.raises(StatementError, match="no header row"):
        parse_csv(GERMAN.encode(), CsvMapping(date=0, amount="Betrag", reference=(1,), has_header=False))
    with pytest.raises(StatementError, match="empty"):
        parse_csv(b"  \n", CsvMapping(date=0, amount=1, reference=(2,)))
    with pytest.raises(StatementError, match="utf-8"):
        parse_csv("Zweck;Betrag\nä;1\n".encode("latin-1"), CsvMapping(date=None, amount=1, reference=(0,),
                                                                        encoding="utf-8"))


def test_mapping_round_trips_through_json():
    mapping = CsvMapping(date=0, amount="Betrag", reference=(1, 2), payer=(3,), delimiter=";")
    assert CsvMapping.from_json(mapping.to_json()) == CsvMapping(
        date=0, amount="Betrag", reference=[1, 2], payer=[3], delimiter=";")


MT940 = b""":20:STARTUMS
:25:10020030/1234567
:28C:00001/001
:60F:C240101EUR1000,00
:61:2401150115CR23,00NTRFNONREF//
:86:166?00GUTSCHRIFT?20CONF-ABCDE THANKS?30COBADEFFXXX?31DE89370400440532013000?32MAX MUSTERMANN
:61:2401160116DR5,00NMSCNONREF
:86:805?00ENTGELT?20KONTOFUEHRUNG
:62F:C240116EUR1018,00
-
"""


def test_mt940():
    lines = parse_mt940(MT940)
    assert [line.amount for line in lines] == [Decimal("23.00"), Decimal("-5.00")]
    first = lines[0]
    assert "CONF-ABCDE" in first.reference
    assert first.payer == "MAX MUSTERMANN" and first.iban == "DE89370400440532013000" and first.bic == "COBADEFFXXX"
    assert first.date == dt.date(2024, 1, 15)


def test_mt940_refuses_other_files():
    with pytest.raises(StatementError, match="MT940"):
        parse_mt940(b"date;amount\n2024-01-01;3\n")
