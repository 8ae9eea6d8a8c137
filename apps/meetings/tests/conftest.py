import pytest


@pytest.fixture(autouse=True)
def _attachments_in_tmp(settings, tmp_path):
    """Minutes files of the tests go to the test's own folder."""
    settings.BUURTWACHT_ATTACHMENT_DIR = tmp_path / "attachments"
