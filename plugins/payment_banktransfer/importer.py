"""Reading bank statements: CSV files with a column mapping, and SWIFT MT940 files.

Both readers return :class:`StatementLine` objects; a line that cannot be read keeps its raw text and an
``error`` (it becomes an ``invalid`` transaction) instead of stopping the import. A file that cannot be read at
all raises :class:`StatementError` (key ``banktransfer_file_invalid``) naming what to fix.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from core.services.errors import CommerceError
from plugins.payment_banktransfer.banking import iban_is_valid

#: Encodings tried in order; latin-1 accepts any byte, so it is the last resort.
ENCODINGS = ("utf-8-sig", "cp1252", "latin-1")
DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y", "%d.%m.%y", "%d/%m/%Y", "%d/%m/%y", "%Y%m%d", "%d-%m-%Y")
Column = int | str
_LEADING_IBAN = re.compile(r"^[A-Z]{2}[0-9]{2}[A-Z0-9]{11}")


class StatementError(CommerceError):
    """The bank statement cannot be read (wrong format, unknown column, empty file)."""

    def __init__(self, message: str, **params: object) -> None:
        super().__init__("banktransfer_file_invalid", message, **params)


@dataclass(frozen=True)
class CsvMapping:
    """Which CSV column holds what: a 0-based index or a header name for each field.

    ``reference`` and ``payer`` may list several columns; their texts are joined with spaces (banks split
    long references over columns). ``has_header`` skips (and names) the first row; ``delimiter`` is guessed when
    None; ``encoding`` is guessed (UTF-8, then Windows-1252 / Latin-1) when None.
    """

    date: Column | None
    amount: Column
    reference: Sequence[Column]
    payer: Sequence[Column] = ()
    iban: Column | None = None
    bic: Column | None = None
    has_header: bool = True
    delimiter: str | None = None
    encoding: str | None = None

    def to_json(self) -> dict[str, object]:
        """The mapping as a JSON-able dict (stored as the ``csvhint`` of the next import)."""
        return {"date": self.date, "amount": self.amount, "reference": list(self.reference),
                "payer": list(self.payer), "iban": self.iban, "bic": self.bic, "has_header": self.has_header,
                "delimiter": self.delimiter, "encoding": self.encoding}

    @classmethod
    def from_json(cls, data: dict[str, object]) -> CsvMapping:
        return cls(**data)  # type: ignore[arg-type]


@dataclass
class StatementLine:
    """One transaction of a statement: the parsed values and the raw texts they came from."""

    amount: Decimal | None
    reference: str = ""
    payer: str = ""
    date: dt.date | None = None
    date_text: str = ""
    iban: str = ""
    bic: str = ""
    error: str | None = None
    checksum: str = field(default="")

    def fingerprint(self) -> str:
        """The fields that identify the line across imports, normalised."""
        parts = (self.date_text.strip(), str(self.amount), " ".join(self.reference.split()).upper(),
                 " ".join(self.payer.split()).upper(), self.iban.replace(" ", "").upper())
        return "\x1f".join(parts)


def assign_checksums(lines: list[StatementLine]) -> None:
    """Give each line a sha256 checksum of its fingerprint and its occurrence number in the file.

    Two identical lines in one file (two people paying the same amount with the same text on the same day) keep
    distinct checksums; importing the same file again reproduces every checksum, so each line is a duplicate.
    """
    seen: Counter[str] = Counter()
    for line in lines:
        fingerprint = line.fingerprint()
        seen[fingerprint] += 1
        line.checksum = hashlib.sha256(f"{fingerprint}\x1e{seen[fingerprint]}".encode()).hexdigest()


def parse_amount(text: str) -> Decimal:
    """An amount as banks print it: ``1.234,56``, ``1,234.56``, ``-12.5``, ``12,50 EUR``, ``12,50-``, ``+5``.

    With both ``.`` and ``,`` the later one is the decimal mark. With one of them: it is a thousands separator
    when it appears several times or is followed by exactly three digits, else the decimal mark. Raises
    ValueError for anything else.
    """
    raw = text.strip()
    cleaned = re.sub(r"[^\d.,+\-()]", "", raw.replace("\u2212", "-"))
    negative = cleaned.startswith("-") or cleaned.endswith("-") or (cleaned.startswith("(") and cleaned.endswith(")"))
    digits = cleaned.strip("+-()")
    if not digits or not re.fullmatch(r"[\d.,]+", digits) or not re.search(r"\d", digits):
        raise ValueError(f"{raw!r} is not an amount")
    if "." in digits and "," in digits:
        decimal_mark = "." if digits.rfind(".") > digits.rfind(",") else ","
    elif "." in digits or "," in digits:
        mark = "." if "." in digits else ","
        head, _, tail = digits.rpartition(mark)
        thousands = digits.count(mark) > 1 or (len(tail) == 3 and head not in ("", "0"))
        decimal_mark = "" if thousands else mark
    else:
        decimal_mark = ""
    thousands_mark = {".": ",", ",": "."}.get(decimal_mark, ".,")
    number = digits
    for ch in thousands_mark:
        number = number.replace(ch, "")
    if decimal_mark:
        if number.count(decimal_mark) != 1:
            raise ValueError(f"{raw!r} is not an amount")
        number = number.replace(decimal_mark, ".")
    try:
        value = Decimal(number)
    except InvalidOperation:
        raise ValueError(f"{raw!r} is not an amount") from None
    return -value if negative else value


def parse_date(text: str) -> dt.date | None:
    """A booking date in one of :data:`DATE_FORMATS`, or None if the text is none of them."""
    value = text.strip()
    for fmt in DATE_FORMATS:
        try:
            return dt.datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    return None


def decode(data: bytes, encoding: str | None = None) -> str:
    """``data`` as text in ``encoding`` or the first of :data:`ENCODINGS` that decodes it."""
    if encoding is not None:
        try:
            return data.decode(encoding)
        except (LookupError, UnicodeDecodeError) as exc:
            raise StatementError(f"The file cannot be read as {encoding}: {exc}; choose its encoding.") from None
    for candidate in ENCODINGS:
        try:
            return data.decode(candidate)
        except UnicodeDecodeError:
            continue
    raise AssertionError("latin-1 decodes any byte string")


def _delimiter(text: str) -> str:
    sample = "\n".join(text.splitlines()[:20])
    try:
        return csv.Sniffer().sniff(sample, delimiters=";,\t|").delimiter
    except csv.Error:
        return ";" if sample.count(";") >= sample.count(",") else ","


def _index(column: Column, header: list[str] | None, field_name: str) -> int:
    if isinstance(column, int):
        if column < 0:
            raise StatementError(f"Column {column} of {field_name} must be 0 or more.", field=field_name)
        return column
    if header is None:
        raise StatementError(
            f"Column {column!r} of {field_name} is a name, but the mapping says the file has no header row; "
            "give the column's number instead.", field=field_name,
        )
    names = [h.strip().lower() for h in header]
    if column.strip().lower() not in names:
        raise StatementError(
            f"The file has no column {column!r} for {field_name}; its columns are: {', '.join(header)}.",
            field=field_name,
        )
    return names.index(column.strip().lower())


def parse_csv(data: bytes, mapping: CsvMapping) -> list[StatementLine]:
    """The transactions of a CSV bank statement read with ``mapping``.

    Empty rows are skipped. A row whose amount cannot be read, or which is too short for the mapping, becomes a
    line with ``error`` set. Raises :class:`StatementError` for an empty file or a mapping naming unknown columns.
    """
    text = decode(data, mapping.encoding)
    if not text.strip():
        raise StatementError("The file is empty.")
    reader = csv.reader(io.StringIO(text), delimiter=mapping.delimiter or _delimiter(text))
    numbered = [(reader.line_num, row) for row in reader if any(cell.strip() for cell in row)]
    header = numbered.pop(0)[1] if mapping.has_header and numbered else None
    amount_col = _index(mapping.amount, header, "amount")
    date_col = None if mapping.date is None else _index(mapping.date, header, "date")
    reference_cols = [_index(c, header, "reference") for c in mapping.reference]
    payer_cols = [_index(c, header, "payer") for c in mapping.payer]
    iban_col = None if mapping.iban is None else _index(mapping.iban, header, "iban")
    bic_col = None if mapping.bic is None else _index(mapping.bic, header, "bic")
    if not reference_cols:
        raise StatementError("The mapping needs at least one reference column.", field="reference")

    def cell(row: list[str], index: int | None) -> str:
        return row[index].strip() if index is not None and index < len(row) else ""

    lines = []
    for number, row in numbered:
        line = StatementLine(
            amount=None,
            reference=" ".join(filter(None, (cell(row, c) for c in reference_cols))),
            payer=" ".join(filter(None, (cell(row, c) for c in payer_cols))),
            date_text=cell(row, date_col),
            iban=cell(row, iban_col).replace(" ", "").upper(),
            bic=cell(row, bic_col).replace(" ", "").upper(),
        )
        line.date = parse_date(line.date_text) if line.date_text else None
        try:
            line.amount = parse_amount(cell(row, amount_col))
        except ValueError as exc:
            line.error = f"Row {number}: {exc}."
        lines.append(line)
    assign_checksums(lines)
    return lines


def _payer_and_iban(name: str, iban: str) -> tuple[str, str]:
    """Split the account number off the payer name where ``mt-940`` joined the ``?31`` and ``?32`` sub-fields."""
    iban = iban.replace(" ", "").upper()
    name = name.strip()
    if not iban and _LEADING_IBAN.match(name):
        length = next((n for n in range(min(len(name), 34), 14, -1) if iban_is_valid(name[:n])), 0)
        iban, name = name[:length], name[length:]
    return " ".join(name.split()), iban


def parse_mt940(data: bytes) -> list[StatementLine]:
    """The transactions of a SWIFT MT940 statement (read with the ``mt-940`` library).

    The reference is the purpose text (``:86:`` details, or the structured purpose where the bank has one), the
    payer, IBAN and BIC come from the ``:86:`` sub-fields where the bank provides them.
    """
    import mt940

    text = decode(data)
    try:
        transactions = mt940.models.Transactions()
        transactions.parse(text)
    except Exception as exc:  # the library raises various errors for malformed input
        raise StatementError(f"The file is not a readable MT940 statement: {exc}.") from None
    if not transactions.transactions and ":61:" not in text:
        raise StatementError("The file is not an MT940 statement (no :61: transaction lines found).")
    lines = []
    for transaction in transactions:
        values = transaction.data
        amount = values.get("amount")
        date = values.get("date")
        purpose = values.get("purpose")
        reference = " ".join(purpose) if isinstance(purpose, list) else (purpose or "")
        if not reference:
            reference = str(values.get("transaction_details") or values.get("extra_details") or "")
        payer, iban = _payer_and_iban(str(values.get("applicant_name") or ""),
                                      str(values.get("applicant_iban") or ""))
        lines.append(StatementLine(
            amount=Decimal(amount.amount) if amount is not None else None,
            reference=" ".join(reference.split()),
            payer=payer,
            date=dt.date(date.year, date.month, date.day) if date is not None else None,
            date_text=date.isoformat() if date is not None else "",
            iban=iban,
            bic=str(values.get("applicant_bin") or "").replace(" ", "").upper(),
            error=None if amount is not None else "The transaction has no amount.",
        ))
    assign_checksums(lines)
    return lines
