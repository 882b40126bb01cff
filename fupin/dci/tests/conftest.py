import pytest

from fupin.core import temporal

from .support import TODAY, CallbackServer, build_world


@pytest.fixture
def world(db, monkeypatch, tmp_path, settings):
    monkeypatch.setattr(temporal, "today", lambda: TODAY)  # ages are counted on a fixed day
    settings.FUPIN_DCI_SIGNING_KEY_FILE = str(tmp_path / "dci-key.pem")
    settings.FUPIN_DCI_CALLBACK_BACKOFF = 0
    settings.FUPIN_DCI_CALLBACK_TIMEOUT = 5
    from django.db import connection

    built = build_world()
    connection.run_on_commit.clear()  # as if the world had been committed before the test (nothing subscribed)
    return built


@pytest.fixture
def callbacks():
    server = CallbackServer()
    yield server
    server.close()
