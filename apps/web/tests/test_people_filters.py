from __future__ import annotations

import pytest
from django.template import Context, Template


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("+32470123456", "+32 470 12 34 56"),
        ("+3211123456", "+32 11 12 34 56"),
        ("+31612345678", "+31 6 12345678"),
        ("0470 12", "0470 12"),
        ("", ""),
        (None, ""),
    ],
)
def test_phone_numbers_are_grouped_as_their_country_writes_them(stored, shown):
    assert Template("{% load people %}{{ value|phone }}").render(Context({"value": stored})) == shown
