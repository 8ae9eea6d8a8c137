import pytest


@pytest.fixture(autouse=True)
def _english(settings):
    """The assertions read the English texts; pages default to Dutch once its .po file exists."""
    settings.LANGUAGE_CODE = "en"
