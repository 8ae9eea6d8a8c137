import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _english():
    """The messages are asserted in English, whatever the project's default language."""
    with translation.override("en"):
        yield
