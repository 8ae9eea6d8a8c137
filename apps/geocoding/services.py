"""Geocoding an address for a municipality, with the register as the fallback.

The geocoder is chosen per municipality (``GeocoderChoice``; the register when none is set).
An outside geocoder gets ``BUURTWACHT_GEOCODER_TIMEOUT`` seconds in all, enforced by running it
in a worker thread: when it fails, answers nonsense or is slow, the register answers instead,
so a resident's application never waits on PDOK or the Flemish register.
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from django.conf import settings
from django.core.exceptions import ValidationError

from apps.addresses.models import Address
from apps.addresses.normalize import normalize_postcode, split_house_number
from apps.addresses.services import find_address, parse_address_parts
from apps.municipalities.models import Municipality

from .adapters import (
    AddressQuery,
    Geocoded,
    GeocoderUnavailable,
    PdokGeocoder,
    RegisterGeocoder,
    VlaanderenGeocoder,
)
from .models import GeocoderChoice

log = logging.getLogger(__name__)
_pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="geocoder")


def geocoder_for(municipality):
    kind = GeocoderChoice.Kind.REGISTER
    if municipality is not None:
        kind = GeocoderChoice.objects.filter(municipality=municipality).values_list("kind", flat=True).first() or kind
    timeout = settings.BUURTWACHT_GEOCODER_TIMEOUT
    if kind == GeocoderChoice.Kind.PDOK:
        return PdokGeocoder(settings.BUURTWACHT_PDOK_URL, timeout)
    if kind == GeocoderChoice.Kind.VLAANDEREN:
        return VlaanderenGeocoder(settings.BUURTWACHT_VLAANDEREN_URL, timeout)
    return RegisterGeocoder()


def geocode(
    postcode: str, house_number: int, addition: str = "", street: str = "", municipality=None
) -> Geocoded | None:
    """The address's point from the municipality's geocoder, else from the register."""
    query = AddressQuery(postcode=postcode, house_number=int(house_number), addition=addition, street=street)
    register = RegisterGeocoder()
    geocoder = geocoder_for(municipality)
    if isinstance(geocoder, RegisterGeocoder):
        return register.geocode(query)
    future = _pool.submit(geocoder.geocode, query)
    try:
        found = future.result(timeout=settings.BUURTWACHT_GEOCODER_TIMEOUT)
    except FutureTimeout:
        log.warning(
            "geocoder %s took longer than %s s; the register answers",
            geocoder.name,
            settings.BUURTWACHT_GEOCODER_TIMEOUT,
        )
        return register.geocode(query)
    except GeocoderUnavailable as exc:
        log.warning("geocoder %s failed (%s); the register answers", geocoder.name, exc)
        return register.geocode(query)
    except Exception:  # noqa: BLE001 (an outside service must never break an application)
        log.exception("geocoder %s raised; the register answers", geocoder.name)
        return register.geocode(query)
    return found or register.geocode(query)


# Which municipalities chose an outside geocoder, read at most every few seconds: the lookups of
# every other municipality then cost no extra query.
_OUTSIDE_TTL = 10.0
_outside_cache: tuple[float, frozenset[int]] = (0.0, frozenset())


def _outside_municipality_ids() -> frozenset[int]:
    global _outside_cache
    now = time.monotonic()
    if now >= _outside_cache[0]:
        ids = GeocoderChoice.objects.exclude(kind=GeocoderChoice.Kind.REGISTER).values_list(
            "municipality_id", flat=True
        )
        _outside_cache = (now + _OUTSIDE_TTL, frozenset(ids))
    return _outside_cache[1]


def forget_choices() -> None:
    """Read the choices again on the next lookup (after a coordinator changed one)."""
    global _outside_cache
    _outside_cache = (0.0, frozenset())


def locate(postcode: str, house_number: str | int, addition: str = "", street: str = "", municipality=None):
    """The address a resident typed, as a register ``Address``.

    Where the municipality (given, or found from the postcode in the register) chose an outside
    geocoder, that geocoder is asked first and what it finds is kept in the register, so the
    next lookup is local. When it fails, is slow or does not know the address, the register
    answers, with its per-field messages for what it does not know either.
    """
    outside = _outside_municipality_ids()
    if outside:
        code, number, addition_norm = parse_address_parts(postcode, house_number, addition)
        municipality_id = municipality.pk if municipality is not None else None
        if municipality_id is None:
            municipality_id = (
                Address.objects.filter(postcode=code.value).values_list("municipality_id", flat=True).first()
            )
        if municipality_id in outside:
            chosen = Municipality.objects.get(pk=municipality_id)
            found = geocode(code.value, number, addition_norm, street, municipality=chosen)
            if found is not None and found.source != RegisterGeocoder.name:
                try:
                    found_number, found_addition = split_house_number(found.house_number)
                    found_code = normalize_postcode(found.postcode)
                except ValidationError:
                    log.warning("geocoder %s answered an unreadable address; the register answers", found.source)
                else:
                    address, _created = Address.objects.update_or_create(
                        postcode=found_code.value,
                        street=found.street,
                        house_number=found_number,
                        addition=found_addition,
                        defaults={
                            "country": found_code.country,
                            "town": found.town,
                            "lat": found.lat,
                            "lon": found.lon,
                            "municipality": chosen,
                        },
                    )
                    return address
    return find_address(postcode, house_number, addition, street)
