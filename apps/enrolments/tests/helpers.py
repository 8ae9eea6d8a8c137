"""Member lists for the import tests: CSV text in a chosen encoding, and XLSX workbooks."""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile

HEADER_NL = ["Naam", "Straat", "Huisnummer", "Postcode", "Gemeente", "GSM", "E-mail"]


def phone(n: int) -> str:
    """A Belgian mobile number in a national format, different for each ``n``."""
    return f"0471 {n:06d}"


def person(n: int, **extra) -> list[str]:
    row = {
        "name": f"Persoon {n}",
        "street": "Noordstraat",
        "number": "1",
        "postcode": "3870",
        "town": "Testdorp",
        "phone": phone(n),
        "email": f"persoon{n}@example.org",
    }
    row.update(extra)
    return list(row.values())


def csv_bytes(rows: list[list[str]], *, header=HEADER_NL, sep=";", encoding="utf-8", bom=False) -> bytes:
    lines = [sep.join(header)] + [sep.join(r) for r in rows]
    data = ("\r\n".join(lines) + "\r\n").encode(encoding)
    return (b"\xef\xbb\xbf" if bom else b"") + data


def upload(data: bytes, name: str = "leden.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="text/csv")


def xlsx_bytes(rows: list[list], *, header=HEADER_NL, build=None) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    if build:
        build(sheet)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
