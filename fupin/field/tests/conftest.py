import pytest


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    """Photos the tests sync are written under the test's own folder, not the checkout's var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"
