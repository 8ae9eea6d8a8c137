"""Licence plates of Belgium and the Netherlands, written the way each country writes them.

Witnesses type plates in every form ("1abc123", "1 ABC 123", "xb-12-cd"). A plate is reduced to
its letters and digits and matched against the formats in use: Belgium's 1-ABC-123 (since
2010), ABC-123 and 123-ABC (before); the Netherlands' sidecodes 1 to 14. The runs of letters
and digits of every format differ, so the compact form alone says which format (and country)
it is. A plate that fits none (partial, foreign) is kept as typed, upper-cased, and not
claimed to belong to either country: a partial plate is still worth passing on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Each format as (kind, length) runs: "L" letters, "D" digits.
BE_FORMATS = [
    (("D", 1), ("L", 3), ("D", 3)),  # 1-ABC-123
    (("L", 3), ("D", 3)),  # ABC-123
    (("D", 3), ("L", 3)),  # 123-ABC
]
NL_FORMATS = [
    (("L", 2), ("D", 2), ("D", 2)),  # 1  XX-99-99
    (("D", 2), ("D", 2), ("L", 2)),  # 2  99-99-XX
    (("D", 2), ("L", 2), ("D", 2)),  # 3  99-XX-99
    (("L", 2), ("D", 2), ("L", 2)),  # 4  XX-99-XX
    (("L", 2), ("L", 2), ("D", 2)),  # 5  XX-XX-99
    (("D", 2), ("L", 2), ("L", 2)),  # 6  99-XX-XX
    (("D", 2), ("L", 3), ("D", 1)),  # 7  99-XXX-9
    (("D", 1), ("L", 3), ("D", 2)),  # 8  9-XXX-99
    (("L", 2), ("D", 3), ("L", 1)),  # 9  XX-999-X
    (("L", 1), ("D", 3), ("L", 2)),  # 10 X-999-XX
    (("L", 3), ("D", 2), ("L", 1)),  # 11 XXX-99-X
    (("L", 1), ("D", 2), ("L", 3)),  # 12 X-99-XXX
    (("D", 1), ("L", 2), ("D", 3)),  # 13 9-XX-999
    (("D", 3), ("L", 2), ("D", 1)),  # 14 999-XX-9
]


def _compile(runs) -> re.Pattern:
    parts = [f"([A-Z]{{{n}}})" if kind == "L" else f"([0-9]{{{n}}})" for kind, n in runs]
    return re.compile("^" + "".join(parts) + "$")


_PATTERNS = [("BE", _compile(f)) for f in BE_FORMATS] + [("NL", _compile(f)) for f in NL_FORMATS]


@dataclass(frozen=True)
class Plate:
    text: str
    country: str  # "BE", "NL" or "" when the plate fits neither country's formats


def normalise_plate(raw: str, prefer: str = "") -> Plate:
    """The plate in its country's written form. ``prefer`` (the municipality's country)
    decides when a plate would fit both countries (no current format does)."""
    typed = " ".join((raw or "").upper().split())
    compact = re.sub(r"[^A-Z0-9]", "", typed)
    if not compact:
        return Plate("", "")
    matches = []
    for country, pattern in _PATTERNS:
        found = pattern.match(compact)
        if found:
            matches.append(Plate("-".join(found.groups()), country))
    if not matches:
        return Plate(typed[:20], "")
    matches.sort(key=lambda p: p.country != prefer)
    return matches[0]
