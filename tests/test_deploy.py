import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DEVELOPMENT_KEY = "insecure-development-key-change-me-in-production-0123456789"
KEY_HINT = ": production settings need a long random secret key; generate one with: python3 -c 'import secrets; " \
           "print(secrets.token_urlsafe(50))'."


def production_env(tmp_path, **variables) -> dict:
    return {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "FUPIN_SECRET_KEY": "a-long-random-production-secret-" + "x" * 40,
        "FUPIN_AUDIT_KEY": "k1:a-long-random-audit-secret-for-the-deploy-check",
        "FUPIN_ALLOWED_HOSTS": "fupin.example.org",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
        **variables,
    }


def settings_values(env: dict, *names: str) -> subprocess.CompletedProcess:
    """Load the settings module of `env` in a fresh interpreter and print the named settings, one a line."""
    script = "from django.conf import settings\n" + "".join(f"print(settings.{name})\n" for name in names)
    return subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True)


def test_production_settings_pass_the_deploy_check(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "django", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=production_env(tmp_path), capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(("key", "problem"), [
    (None, "FUPIN_SECRET_KEY is not set"),
    ("", "FUPIN_SECRET_KEY is not set"),
    ("   ", "FUPIN_SECRET_KEY is not set"),
    (DEVELOPMENT_KEY, "FUPIN_SECRET_KEY is the development key"),
    ("django-insecure-" + secrets.token_urlsafe(50), "FUPIN_SECRET_KEY is the development key"),
    ("short-but-random-Q7x", "FUPIN_SECRET_KEY is too weak (it needs at least 50 characters, 5 of them different)"),
    ("abcd" * 20, "FUPIN_SECRET_KEY is too weak (it needs at least 50 characters, 5 of them different)"),
])
def test_production_settings_refuse_a_missing_or_weak_secret_key(tmp_path, key, problem):
    env = production_env(tmp_path)
    if key is None:
        del env["FUPIN_SECRET_KEY"]
    else:
        env["FUPIN_SECRET_KEY"] = key
    result = settings_values(env, "SECRET_KEY")
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.rstrip().endswith(f"django.core.exceptions.ImproperlyConfigured: {problem}{KEY_HINT}")


def test_production_settings_keep_debug_off_unless_asked(tmp_path):
    result = settings_values(production_env(tmp_path), "DEBUG", "SECRET_KEY", "MIDDLEWARE[1]",
                             "STORAGES['staticfiles']['BACKEND']", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS",
                             "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_CONTENT_TYPE_NOSNIFF",
                             "SECURE_REFERRER_POLICY", "X_FRAME_OPTIONS")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "False", "a-long-random-production-secret-" + "x" * 40, "whitenoise.middleware.WhiteNoiseMiddleware",
        "whitenoise.storage.CompressedManifestStaticFilesStorage", "True", "31536000", "True", "True", "True",
        "same-origin", "DENY",
    ]
    asked = settings_values(production_env(tmp_path, FUPIN_DEBUG="1", FUPIN_SSL_REDIRECT="0"),
                            "DEBUG", "SECURE_SSL_REDIRECT")
    assert asked.stdout.splitlines() == ["True", "False"]


def test_every_file_store_is_set_by_the_environment(tmp_path):
    names = ("MEDIA_ROOT", "STATIC_ROOT", "FUPIN_BOUNDARIES_CACHE_DIR")
    moved = settings_values(production_env(tmp_path, FUPIN_MEDIA_DIR="/srv/fupin/media",
                                           FUPIN_STATIC_DIR="/srv/fupin/static",
                                           FUPIN_BOUNDARIES_CACHE_DIR="/srv/fupin/boundaries"), *names)
    assert moved.returncode == 0, moved.stderr
    assert moved.stdout.splitlines() == ["/srv/fupin/media", "/srv/fupin/static", "/srv/fupin/boundaries"]
    # Unset, they stay in the checkout's var/, as the demo expects.
    default = settings_values(production_env(tmp_path), *names)
    assert default.stdout.splitlines() == [str(ROOT / "var" / "media"), str(ROOT / "var" / "static"),
                                           str(ROOT / "var" / "boundaries")]


def test_development_settings_keep_the_demo_as_it_was(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "config.settings.dev",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'dev.sqlite3'}"}
    result = settings_values(env, "DEBUG", "SECRET_KEY", "STORAGES['staticfiles']['BACKEND']")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["True", DEVELOPMENT_KEY,
                                          "django.contrib.staticfiles.storage.StaticFilesStorage"]


def test_the_fupin_command_defaults_to_development_settings(tmp_path):
    """`make demo` runs `fupin runserver` and `fupin worker`: development settings (`fupin serve`: production)."""
    fupin = Path(sys.executable).with_name("fupin")
    env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": f"sqlite:///{tmp_path / 'dev.sqlite3'}"}
    result = subprocess.run([str(fupin), "diffsettings", "--output", "unified"], cwd=ROOT, env=env,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "+ SETTINGS_MODULE = 'config.settings.dev'" in result.stdout.splitlines()


def test_the_fupin_command_runs_django_commands():
    fupin = Path(sys.executable).with_name("fupin")
    result = subprocess.run([str(fupin), "help", "areas"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "designate" in result.stdout and "load" in result.stdout
