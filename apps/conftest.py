import pytest

from testkit.world import build_world


@pytest.fixture
def world(db):
    return build_world()
