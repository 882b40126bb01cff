"""`fupin serve`'s checks and the gunicorn settings it runs with (the running server: tests/test_production_server)."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from fupin.core.management.commands.serve import ProductionServer, server_options


def test_serve_refuses_to_start_without_a_secret_key(monkeypatch):
    monkeypatch.delenv("FUPIN_SECRET_KEY", raising=False)
    with pytest.raises(CommandError, match=r"^FUPIN_SECRET_KEY is not set: the production server needs"):
        call_command("serve")


@pytest.mark.parametrize("option", ["workers", "threads", "timeout"])
def test_serve_refuses_counts_below_one(monkeypatch, option):
    monkeypatch.setenv("FUPIN_SECRET_KEY", "k" * 20 + "ey-for-the-option-checks-only-0123456789")
    with pytest.raises(CommandError, match=rf"^--{option} must be at least 1\.$"):
        call_command("serve", **{option: 0})


def test_the_gunicorn_settings(monkeypatch):
    monkeypatch.delenv("FUPIN_LOG_LEVEL", raising=False)
    monkeypatch.setenv("FUPIN_FORWARDED_ALLOW_IPS", "10.0.0.5")
    options = server_options(bind="127.0.0.1:9000", workers=3, threads=2, timeout=60)
    assert options == {
        "bind": ["127.0.0.1:9000"], "workers": 3, "worker_class": "gthread", "threads": 2, "timeout": 60,
        "graceful_timeout": 30, "max_requests": 2000, "max_requests_jitter": 200, "accesslog": "-",
        "errorlog": "-", "loglevel": "warning", "forwarded_allow_ips": "10.0.0.5", "control_socket_disable": True,
        "proc_name": "fupin-web",
    }
    server = ProductionServer(options)
    assert (server.cfg.bind, server.cfg.workers, server.cfg.threads, server.cfg.worker_class_str) == (
        ["127.0.0.1:9000"], 3, 2, "gthread")
    assert server.cfg.forwarded_allow_ips == ["10.0.0.5"]
