"""Geocoders behind one interface: ``geocode(query) -> Geocoded | None``.

``None`` means "this address does not exist here"; :class:`GeocoderUnavailable` means the
geocoder could not answer (network, timeout, an error status, a response of the wrong shape),
so the caller falls back to the register.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from xml.etree import ElementTree

from django.core.exceptions import ValidationError

from apps.addresses.normalize import box_number, normalize_postcode
from apps.addresses.services import find_address
from apps.areas.crs import SUPPORTED_CRS, epsg_from_name, transformer_to_wgs84
from apps.areas.geometry import SERVICE_BOUNDS


class GeocoderUnavailable(Exception):
    pass


@dataclass(frozen=True)
class AddressQuery:
    postcode: str
    house_number: int
    addition: str = ""
    street: str = ""


@dataclass(frozen=True)
class Geocoded:
    lon: float
    lat: float
    street: str
    house_number: str
    postcode: str
    town: str
    source: str


def _inside(lon: float, lat: float) -> bool:
    min_lon, min_lat, max_lon, max_lat = SERVICE_BOUNDS
    return min_lon <= lon <= max_lon and min_lat <= lat <= max_lat


class RegisterGeocoder:
    """Buurtwacht's own address register (``addresses.Address``)."""

    name = "register"

    def geocode(self, query: AddressQuery) -> Geocoded | None:
        try:
            address = find_address(query.postcode, str(query.house_number), query.addition, query.street)
        except ValidationError:
            return None
        return Geocoded(
            lon=address.lon,
            lat=address.lat,
            street=address.street,
            house_number=address.number_text,
            postcode=address.postcode,
            town=address.town,
            source=self.name,
        )


class _HttpGeocoder:
    name = ""

    def __init__(self, base_url: str, timeout: float):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def _get(self, path: str, params: dict) -> dict:
        url = f"{self.base_url}{path}?{urllib.parse.urlencode(params)}"
        request = urllib.request.Request(url, headers={"Accept": "application/json, application/ld+json"})  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 (https/http URL from settings)
                body = response.read(2_000_000)
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                return {}
            raise GeocoderUnavailable(f"{self.name}: HTTP {exc.code}") from exc
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise GeocoderUnavailable(f"{self.name}: {exc}") from exc
        try:
            data = json.loads(body)
        except ValueError as exc:
            raise GeocoderUnavailable(f"{self.name}: not JSON") from exc
        if not isinstance(data, dict):
            raise GeocoderUnavailable(f"{self.name}: unexpected response")
        return data


_WKT_POINT = re.compile(r"^\s*POINT\s*\(\s*([-0-9.eE]+)\s+([-0-9.eE]+)\s*\)\s*$")


class PdokGeocoder(_HttpGeocoder):
    """PDOK Locatieserver v3_1 ``/free``: a Solr response whose address docs carry
    ``centroide_ll`` as WKT ``POINT(lon lat)``."""

    name = "pdok"

    def geocode(self, query: AddressQuery) -> Geocoded | None:
        postcode = query.postcode.replace(" ", "").upper()
        data = self._get(
            "/free",
            {
                "q": f"postcode:{postcode} AND huisnummer:{int(query.house_number)}",
                "fq": "type:adres",
                "rows": 20,
            },
        )
        try:
            docs = data["response"]["docs"]
        except (KeyError, TypeError) as exc:
            if "error" in data:
                raise GeocoderUnavailable(f"pdok: {data['error'].get('msg', 'error')}") from exc
            if not data:
                return None
            raise GeocoderUnavailable("pdok: unexpected response") from exc
        wanted = f"{int(query.house_number)}{query.addition}".upper().replace("-", "")
        candidates = [
            d
            for d in docs
            if isinstance(d, dict)
            and d.get("type") == "adres"
            and str(d.get("postcode", "")).replace(" ", "").upper() == postcode
            and d.get("huisnummer") == int(query.house_number)
        ]
        exact = [d for d in candidates if str(d.get("huis_nlt", "")).upper().replace("-", "") == wanted]
        doc = (exact or (candidates if not query.addition else []) or [None])[0]
        if doc is None:
            return None
        match = _WKT_POINT.match(str(doc.get("centroide_ll", "")))
        if not match:
            raise GeocoderUnavailable("pdok: no centroide_ll")
        lon, lat = float(match.group(1)), float(match.group(2))
        if not _inside(lon, lat):
            raise GeocoderUnavailable("pdok: point outside the service area")
        return Geocoded(
            lon=lon,
            lat=lat,
            street=str(doc.get("straatnaam", "")),
            house_number=str(doc.get("huis_nlt") or doc.get("huisnummer")),
            postcode=normalize_postcode(str(doc.get("postcode", ""))).value,
            town=str(doc.get("woonplaatsnaam", "")),
            source=self.name,
        )


_GML = "{http://www.opengis.net/gml/3.2}"


def gml_point_to_wgs84(gml: str) -> tuple[float, float]:
    """``<gml:Point srsName=".../EPSG/0/31370"><gml:pos>x y</gml:pos></gml:Point>`` → (lon, lat).
    The srsName is read, never assumed (Lambert 72 and Lambert 2008 both occur)."""
    try:
        point = ElementTree.fromstring(gml)  # noqa: S314 (a short string from the register, no entities)
    except ElementTree.ParseError as exc:
        raise GeocoderUnavailable("vlaanderen: GML cannot be read") from exc
    srs = point.get("srsName", "")
    epsg = epsg_from_name(srs.replace("/EPSG/0/", "EPSG::").replace("/def/crs/", "/"))
    pos = point.find(f"{_GML}pos")
    if epsg not in SUPPORTED_CRS or pos is None or not pos.text:
        raise GeocoderUnavailable(f"vlaanderen: unknown position ({srs})")
    x, y = (float(v) for v in pos.text.split()[:2])
    if epsg == 4326:
        return x, y
    lon, lat = transformer_to_wgs84(epsg).transform(x, y)
    return float(lon), float(lat)


def _spelling(node) -> str:
    try:
        return str(node["geografischeNaam"]["spelling"])
    except (KeyError, TypeError):
        return ""


class VlaanderenGeocoder(_HttpGeocoder):
    """The Flemish address register v2 ``/v2/adresmatch``: matches sorted by score, the position
    as a GML point in Lambert 72 or 2008."""

    name = "vlaanderen"
    MIN_SCORE = 90

    def geocode(self, query: AddressQuery) -> Geocoded | None:
        params = {"postcode": query.postcode, "huisnummer": str(int(query.house_number))}
        if query.street:
            params["straatnaam"] = query.street
        if query.addition:
            params["busnummer"] = box_number(query.addition)
        data = self._get("/v2/adresmatch", params)
        matches = data.get("adresMatches")
        if matches is None:
            if not data:
                return None
            raise GeocoderUnavailable("vlaanderen: unexpected response")
        usable = [
            m
            for m in matches
            if isinstance(m, dict)
            and (m.get("adresPositie") or {}).get("geometrie")
            and float(m.get("score") or 0) >= self.MIN_SCORE
            and str(m.get("huisnummer", "")).lstrip("0") == str(int(query.house_number))
            and (not query.addition or str(m.get("busnummer", "")).upper() == box_number(query.addition).upper())
        ]
        if not usable:
            return None
        best = max(usable, key=lambda m: float(m.get("score") or 0))
        lon, lat = gml_point_to_wgs84(best["adresPositie"]["geometrie"].get("gml", ""))
        if not _inside(lon, lat):
            raise GeocoderUnavailable("vlaanderen: point outside the service area")
        postcode = (best.get("postinfo") or {}).get("objectId") or query.postcode
        number = str(best.get("huisnummer", "")).lstrip("0")
        if best.get("busnummer"):
            number += f" bus {best['busnummer']}"
        return Geocoded(
            lon=lon,
            lat=lat,
            street=_spelling((best.get("straatnaam") or {}).get("straatnaam")),
            house_number=number,
            postcode=str(postcode),
            town=_spelling((best.get("gemeente") or {}).get("gemeentenaam")),
            source=self.name,
        )
