"""Signs entered before the workflow: those with a placement date become placed, the others
approved, and each gets a token of its own."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from apps.municipalities.models import Municipality
from apps.signs.models import StreetSign


@pytest.mark.django_db(transaction=True)
def test_existing_signs_get_their_state_and_a_token():
    executor = MigrationExecutor(connection)
    old = executor.loader.project_state([("signs", "0001_initial")]).apps
    executor.migrate([("signs", "0001_initial")])
    try:
        OldSign = old.get_model("signs", "StreetSign")
        # Only the signs went back: the municipality is today's.
        town = Municipality.objects.create(name="Oudstad", slug="oudstad", country="BE")
        town = old.get_model("municipalities", "Municipality").objects.get(pk=town.pk)
        OldSign.objects.create(municipality=town, road="Placed", lat=50.7, lon=5.3, placed_on=dt.date(2024, 5, 1))
        OldSign.objects.create(municipality=town, road="Planned", lat=50.7, lon=5.3)
        OldSign.objects.create(municipality=town, road="Also placed", lat=50.7, lon=5.3, placed_on=dt.date(2024, 6, 1))
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    states = dict(StreetSign.objects.values_list("road", "state"))
    assert states == {"Placed": "placed", "Planned": "approved", "Also placed": "placed"}
    tokens = list(StreetSign.objects.values_list("token", flat=True))
    assert len(set(tokens)) == 3 and all(len(t) >= 12 for t in tokens)
