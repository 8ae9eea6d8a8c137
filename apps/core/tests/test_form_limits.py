"""The public forms' limits count accepted and refused sends apart, per connection and per phone."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import RequestFactory

from apps.core import form_limits
from testkit.cache import clear as clear_cache


@pytest.fixture(autouse=True)
def _rates(settings):
    settings.BUURTWACHT_APPLICATION_RATE = "3/h"
    settings.BUURTWACHT_FORM_ERROR_RATE = "5/h"
    settings.BUURTWACHT_APPLICATION_PHONE_RATE = "2/d"
    clear_cache(cache)


def request(ip="192.0.2.1"):
    return RequestFactory().post("/", REMOTE_ADDR=ip)


def test_refused_sends_do_not_use_up_the_accepted_ones():
    for _ in range(4):
        form_limits.count_refused(request(), "apply")
    assert form_limits.connection_limited(request(), "apply") is None
    for _ in range(2):
        form_limits.count_accepted(request(), "apply")
    assert form_limits.connection_limited(request(), "apply") is None


def test_the_accepted_limit_refuses_the_next_and_says_when_to_try_again():
    for n in range(3):
        form_limits.count_accepted(request(), "apply", phone=f"+3247000000{n}")
    limited = form_limits.connection_limited(request(), "apply")
    assert limited is not None and 0 < limited.seconds <= 3600
    assert limited.retry_at > limited.retry_at.replace(year=2000)
    assert form_limits.connection_limited(request("192.0.2.2"), "apply") is None  # another connection


def test_the_loose_refused_limit_stops_a_script():
    for _ in range(5):
        form_limits.count_refused(request(), "apply")
    assert form_limits.connection_limited(request(), "apply") is not None


def test_a_phone_number_is_limited_across_connections_and_kinds_apart():
    form_limits.count_accepted(request("192.0.2.1"), "apply", phone="+32470123456")
    form_limits.count_accepted(request("192.0.2.2"), "apply", phone="+32470123456")
    assert form_limits.phone_limited(request("192.0.2.3"), "apply", "+32470123456") is not None
    assert form_limits.phone_limited(request("192.0.2.3"), "apply", "+32470999999") is None
    assert form_limits.phone_limited(request("192.0.2.3"), "start_group", "+32470123456") is None
    assert form_limits.phone_limited(request(), "apply", "") is None
