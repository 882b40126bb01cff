"""docs/deployment.md followed on this machine, without Docker: the commands the systemd units and the compose file
run (read from deploy/), with the environment of deploy/fupin.env.example, on a fresh PostgreSQL database.

The server is reached over plain HTTP on the loopback (FUPIN_SSL_REDIRECT=0); requests that carry the proxy's
`X-Forwarded-Proto: https` stand for the HTTPS reverse proxy in front of it.
"""

import gzip
import http.client
import os
import re
import secrets
import shlex
import signal
import socket
import subprocess
import sys
import time
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import psycopg
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
FUPIN = Path(sys.executable).with_name("fupin")
POSTGRES_SERVER = "postgres://postgres@127.0.0.1:5432"
# Where a systemd install keeps the code, the settings and the files: the test puts the last two in tmp_path.
INSTALL_DIR = "/opt/fupin"
PATH_PREFIXES = {"/var/lib/fupin": "var-lib-fupin", "/etc/fupin": "etc-fupin"}
TEN_YEARS = "max-age=315360000"
STARTUP_SECONDS = 120
STOP_SECONDS = 60
SECRET_KEY_MESSAGE = "FUPIN_SECRET_KEY is not set: production settings need a long random secret key"


# What the services run, read from deploy/ --------------------------------------------------------------------------
def unit_command(name: str) -> list[str]:
    """ExecStart of a systemd unit, as arguments of `fupin` (the unit names the virtualenv's copy in /opt/fupin)."""
    text = (DEPLOY / "systemd" / name).read_text(encoding="utf-8")
    [line] = [line for line in text.splitlines() if line.startswith("ExecStart=")]
    program, *arguments = shlex.split(line.removeprefix("ExecStart="))
    assert program == f"{INSTALL_DIR}/.venv/bin/fupin"
    return arguments


def compose_command(service: str) -> list[str]:
    program, *arguments = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))["services"][service][
        "command"]
    assert program == "fupin"
    return arguments


def with_bind(arguments: list[str], address: str) -> list[str]:
    position = arguments.index("--bind") + 1
    return [*arguments[:position], address, *arguments[position + 1:]]


def example_environment(tmp_path: Path) -> dict[str, str]:
    """deploy/fupin.env.example's variables, its folders moved under tmp_path."""
    values = {}
    for line in (DEPLOY / "fupin.env.example").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            for prefix, folder in PATH_PREFIXES.items():
                if value.startswith(prefix):
                    value = str(tmp_path / folder) + value.removeprefix(prefix)
            values[name.strip()] = value.strip()
    return values


# Processes, HTTP -----------------------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run_fupin(arguments: list[str], env: dict, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([str(FUPIN), *arguments], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
                          **kwargs)


def request(port: int, path: str, *, method: str = "GET", headers: dict | None = None, body: str | None = None):
    """(status, headers, body) of one request, redirects not followed."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def cookies_of(headers) -> dict[str, str]:
    jar = SimpleCookie()
    for value in headers.get_all("Set-Cookie") or []:
        jar.load(value)
    return {name: morsel.value for name, morsel in jar.items()}


def log_tail(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace")[-4000:] if path.exists() else ""


def wait_for_page(port: int, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        assert process.poll() is None, f"fupin serve exited with {process.returncode}:\n{log_tail(log)}"
        try:
            if request(port, "/login/")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"fupin serve did not answer within {STARTUP_SECONDS} s:\n{log_tail(log)}")


def stop(process: subprocess.Popen) -> int:
    """SIGTERM, as systemd and compose stop a service; the exit status once it has stopped."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    return process.wait(timeout=STOP_SECONDS)


# The database ----------------------------------------------------------------------------------------------------
@pytest.fixture
def postgres_database():
    """A fresh PostgreSQL database for the deployment, dropped afterwards (whatever DATABASE_URL the suite uses)."""
    name = f"fupin_h6_deploy_{secrets.token_hex(4)}"
    try:
        admin = psycopg.connect(f"{POSTGRES_SERVER}/postgres", autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as error:
        pytest.skip(f"PostgreSQL is not reachable at {POSTGRES_SERVER}: {error}")
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield f"{POSTGRES_SERVER}/{name}"
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def job_state(database_url: str, job_id: int) -> tuple[str, dict | None]:
    with psycopg.connect(database_url) as connection:
        return connection.execute("SELECT status, result FROM jobs_job WHERE id = %s", [job_id]).fetchone()


QUEUE_EXPORT = """
from django.contrib.auth import get_user_model
from fupin.areas.models import Area
from fupin.imports.services import submit_household_export
Area.objects.create(code="530000000000", name="云南省", level=1)
system = get_user_model().objects.get(username="system")
print(submit_household_export(actor=system, area_code="530000000000", year=2020, file_format="csv").pk)
"""


# The tests -------------------------------------------------------------------------------------------------------
def test_the_units_and_the_compose_file_run_the_same_commands():
    assert with_bind(unit_command("fupin-web.service"), "HOST:PORT") == ["serve", "--bind", "HOST:PORT"]
    assert with_bind(compose_command("web"), "HOST:PORT") == ["serve", "--bind", "HOST:PORT"]
    assert unit_command("fupin-worker.service") == compose_command("worker") == ["worker"]
    assert compose_command("migrate") == ["migrate", "--no-input"]
    for unit in ("fupin-web.service", "fupin-worker.service"):
        text = (DEPLOY / "systemd" / unit).read_text(encoding="utf-8")
        assert "Restart=always" in text.splitlines()
        assert "EnvironmentFile=/etc/fupin/fupin.env" in text.splitlines()


@pytest.mark.slow
def test_the_deployment_guide_brings_up_web_and_worker_on_postgresql(tmp_path, postgres_database):
    port = free_port()
    env = {name: value for name, value in os.environ.items()
           if not name.startswith("FUPIN_") and name not in {"DJANGO_SETTINGS_MODULE", "DATABASE_URL"}}
    env.update(example_environment(tmp_path))
    env.update({
        "FUPIN_SECRET_KEY": secrets.token_urlsafe(50),
        "FUPIN_ALLOWED_HOSTS": "127.0.0.1",
        "FUPIN_CSRF_TRUSTED_ORIGINS": f"https://127.0.0.1:{port}",
        "FUPIN_SSL_REDIRECT": "0",
        "FUPIN_WEB_WORKERS": "2",
        "DATABASE_URL": postgres_database,
        "DJANGO_SUPERUSER_PASSWORD": "Deployment-check-2026",
    })
    assert env["DJANGO_SETTINGS_MODULE"] == "config.settings.production"
    media_dir = Path(env["FUPIN_MEDIA_DIR"])
    static_dir = Path(env["FUPIN_STATIC_DIR"])
    assert media_dir.is_relative_to(tmp_path) and static_dir.is_relative_to(tmp_path)

    # The guide's install steps: the audit key file, the schema, the static files, a first administrator.
    key_file = Path(env["FUPIN_AUDIT_KEY_FILE"])
    key_file.parent.mkdir(parents=True)
    key_file.write_text(f"k1:{secrets.token_urlsafe(48)}\n", encoding="utf-8")
    for arguments in (compose_command("migrate"), ["collectstatic", "--no-input"],
                      ["createsuperuser", "--no-input", "--username", "deploycheck", "--email", "it@example.org"]):
        result = run_fupin(arguments, env)
        assert result.returncode == 0, f"fupin {' '.join(arguments)}:\n{result.stdout}{result.stderr}"
    assert (static_dir / "staticfiles.json").is_file()

    web_log, worker_log = tmp_path / "web.log", tmp_path / "worker.log"
    processes = []
    try:
        with open(web_log, "w") as web_output, open(worker_log, "w") as worker_output:
            web = subprocess.Popen([str(FUPIN), *with_bind(unit_command("fupin-web.service"), f"127.0.0.1:{port}")],
                                   cwd=ROOT, env=env, stdout=web_output, stderr=subprocess.STDOUT)
            processes.append(web)
            worker = subprocess.Popen([str(FUPIN), *unit_command("fupin-worker.service")],
                                      cwd=ROOT, env=env, stdout=worker_output, stderr=subprocess.STDOUT)
            processes.append(worker)
        wait_for_page(port, web, web_log)

        # The login page over plain HTTP on the loopback: security headers, no HSTS (not HTTPS), static files named
        # by their content.
        status, headers, body = request(port, "/login/")
        assert status == 200
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"
        assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
        assert "Strict-Transport-Security" not in headers
        stylesheet = re.search(rb'href="(/static/web/fupin\.[0-9a-f]{12}\.css)"', body).group(1).decode()

        # WhiteNoise: the hashed file, cached for ten years, compressed; the unhashed name is not kept.
        status, headers, css = request(port, stylesheet, headers={"Accept-Encoding": "gzip"})
        assert status == 200
        assert headers["Cache-Control"] == f"{TEN_YEARS}, public, immutable"
        assert headers["Content-Encoding"] == "gzip"
        assert gzip.decompress(css) == request(port, stylesheet)[2]
        assert request(port, "/static/web/fupin.css")[0] == 404

        # Through the HTTPS proxy: HSTS and secure cookies; a login; an unknown dashboard is an error page, never
        # Django's debug page with its settings.
        https = {"X-Forwarded-Proto": "https"}
        status, headers, body = request(port, "/login/", headers=https)
        assert status == 200
        assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
        assert all("; Secure" in value for value in headers.get_all("Set-Cookie"))
        csrf_cookie = cookies_of(headers)["csrftoken"]
        form_token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1).decode()
        status, headers, _ = request(
            port, "/login/", method="POST",
            headers={**https, "Cookie": f"csrftoken={csrf_cookie}", "Referer": f"https://127.0.0.1:{port}/login/",
                     "Content-Type": "application/x-www-form-urlencoded"},
            body=urlencode({"csrfmiddlewaretoken": form_token, "username": "deploycheck",
                            "password": env["DJANGO_SUPERUSER_PASSWORD"]}))
        assert status == 302, status
        session = cookies_of(headers)["sessionid"]
        assert "; Secure" in next(value for value in headers.get_all("Set-Cookie") if value.startswith("sessionid="))
        status, headers, body = request(port, "/dashboard/999/", headers={**https, "Cookie": f"sessionid={session}"})
        assert status >= 400
        assert b"Traceback" not in body and b"DEBUG = True" not in body and b"SECRET_KEY" not in body
        assert len(body) < 5000

        # The worker runs a job with the production settings, and its file lands in FUPIN_MEDIA_DIR.
        queued = run_fupin(["shell", "--command", QUEUE_EXPORT], env)
        assert queued.returncode == 0, queued.stderr
        job_id = int(queued.stdout.strip().splitlines()[-1])
        deadline = time.monotonic() + STARTUP_SECONDS
        while (state := job_state(postgres_database, job_id))[0] in {"queued", "running"}:
            assert worker.poll() is None, f"fupin worker exited:\n{log_tail(worker_log)}"
            assert time.monotonic() < deadline, f"the job is still {state[0]}:\n{log_tail(worker_log)}"
            time.sleep(0.5)
        status, result = state
        assert status == "succeeded", f"{state}\n{log_tail(worker_log)}"
        assert result["rows"] == 0
        export = media_dir / result["export_file"]
        assert export.is_file() and export.name == f"job-{job_id}-households-530000000000-2020.csv"
        assert not (ROOT / "var" / "media" / result["export_file"]).exists()

        # Both stop cleanly on SIGTERM, as `systemctl stop` and `docker compose stop` ask.
        assert stop(web) == 0, log_tail(web_log)
        assert stop(worker) == 0, log_tail(worker_log)
    finally:
        for process in processes:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=STOP_SECONDS)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


def test_serve_refuses_to_start_without_a_secret_key(tmp_path):
    env = {"PATH": os.environ["PATH"], "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
           "FUPIN_AUDIT_KEY": f"k1:{secrets.token_urlsafe(48)}"}
    result = run_fupin(["serve", "--bind", f"127.0.0.1:{free_port()}"], env)
    assert result.returncode == 1
    assert result.stderr.startswith(f"fupin: {SECRET_KEY_MESSAGE}")
    assert "Traceback" not in result.stderr

    # With the development settings asked for explicitly, the key is still required.
    result = run_fupin(["serve"], {**env, "DJANGO_SETTINGS_MODULE": "config.settings.dev"})
    assert result.returncode == 1
    assert "FUPIN_SECRET_KEY is not set: the production server needs a long random secret key" in result.stderr


@pytest.mark.parametrize("module", ["config.wsgi", "config.asgi"])
def test_the_server_entry_points_default_to_production_settings(tmp_path, module):
    env = {"PATH": os.environ["PATH"], "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
           "FUPIN_AUDIT_KEY": f"k1:{secrets.token_urlsafe(48)}", "FUPIN_SECRET_KEY": secrets.token_urlsafe(50)}
    script = (f"import {module}; from django.conf import settings; "
              "print(settings.SETTINGS_MODULE, settings.DEBUG, settings.SECURE_SSL_REDIRECT)")
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["config.settings.production", "False", "True"]

    del env["FUPIN_SECRET_KEY"]
    result = subprocess.run([sys.executable, "-c", f"import {module}"], cwd=ROOT, env=env, capture_output=True,
                            text=True)
    assert result.returncode == 1
    assert f"ImproperlyConfigured: {SECRET_KEY_MESSAGE}" in result.stderr
