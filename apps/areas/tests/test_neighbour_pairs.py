"""The neighbour pairs found by ``compute_pairs`` (bounding boxes, then touching, then the few
apart) are exactly those of the plain definition: every pair within the distance in EPSG:3035,
with its distance, both ways round; with ``only``, those that involve the areas asked about."""

from __future__ import annotations

import random

import numpy as np
import pytest
import shapely
from shapely import STRtree
from shapely.geometry import MultiPolygon, Polygon

from apps.areas.neighbours import compute_pairs, to_metres


def reference(ids, geoms, distance_m, only=None):
    projected = to_metres(np.asarray(geoms, dtype=object))
    left, right = STRtree(projected).query(projected, predicate="dwithin", distance=distance_m)
    found = {}
    for a, b in zip(left.tolist(), right.tolist(), strict=True):
        if a != b and (only is None or ids[a] in only or ids[b] in only):
            found[(ids[a], ids[b])] = float(shapely.distance(projected[a], projected[b]))
    return found


def world(seed: int) -> tuple[list[int], list]:
    """Jagged cells that share their edges, some lone islands a few hundred metres off, and a
    multipolygon: touching, near, far and overlapping pairs all occur."""
    rng = random.Random(seed)
    geoms = []
    size = 0.01  # about 700 m by 1100 m
    for i in range(6):
        for j in range(5):
            x, y = 5.0 + i * size, 51.0 + j * size
            ring = [(x, y), (x + size, y), (x + size, y + size), (x, y + size)]
            geoms.append(Polygon(ring))
    for _ in range(12):
        x, y = rng.uniform(4.99, 5.07), rng.uniform(50.99, 51.06)
        r = rng.uniform(0.0005, 0.002)
        geoms.append(shapely.Point(x, y).buffer(r, quad_segs=rng.randint(2, 16)))
    geoms.append(
        MultiPolygon(
            [
                Polygon([(5.1, 51.0), (5.101, 51.0), (5.101, 51.001)]),
                Polygon([(5.061, 51.02), (5.062, 51.02), (5.062, 51.021)]),
            ]
        )
    )
    ids = [100 + 7 * n for n in range(len(geoms))]
    return ids, geoms


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("distance_m", [0.0, 150.0, 500.0])
def test_every_pair_within_the_distance_with_its_distance(seed, distance_m):
    ids, geoms = world(seed)
    found = {(a, b): d for a, b, d in compute_pairs(ids, geoms, distance_m)}
    expected = reference(ids, geoms, distance_m)
    assert found.keys() == expected.keys()
    for pair, d in expected.items():
        assert found[pair] == pytest.approx(d, abs=1e-6)
    assert len(compute_pairs(ids, geoms, distance_m)) == len(found)  # each pair once each way


@pytest.mark.parametrize("seed", range(4))
def test_only_the_pairs_of_the_areas_asked_about(seed):
    ids, geoms = world(seed)
    only = set(random.Random(seed).sample(ids, 5))
    found = {(a, b): d for a, b, d in compute_pairs(ids, geoms, 500.0, only)}
    expected = reference(ids, geoms, 500.0, only)
    assert found.keys() == expected.keys()
    for pair, d in expected.items():
        assert found[pair] == pytest.approx(d, abs=1e-6)


def test_nothing_to_pair():
    assert compute_pairs([], [], 500.0) == []
    assert compute_pairs([1], [Polygon([(5, 51), (5.01, 51), (5.01, 51.01)])], 500.0) == []
    ids, geoms = world(0)
    assert compute_pairs(ids, geoms, 500.0, only={999_999}) == []
