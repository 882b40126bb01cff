"""Production: secrets and hosts from the environment, HTTPS only. `fupin check --deploy` is clean with these.

`config.wsgi`, `config.asgi` and `fupin serve` default to this module. It refuses to load without a real secret key:
a missing, empty, short or development key raises ImproperlyConfigured before anything is served, because a known
key lets anyone forge sessions (and so log in as any official). DEBUG stays off unless FUPIN_DEBUG=1 asks for it
(for a short diagnosis only: the debug page shows settings and local variables, and `check --deploy` warns).
"""

from django.core.exceptions import ImproperlyConfigured
from whitenoise.compress import Compressor

from config.env import env_bool, env_str

from .base import *

# Django's own bar for a key (security.W009): at least 50 characters, at least 5 distinct ones.
SECRET_KEY_MIN_LENGTH = 50
SECRET_KEY_MIN_DISTINCT = 5
SECRET_KEY_HINT = "generate one with: python3 -c 'import secrets; print(secrets.token_urlsafe(50))'"


def production_secret_key(value: str) -> str:
    """The key itself, or ImproperlyConfigured saying what is wrong with it (never the key's text)."""
    key = value.strip()
    if not key:
        problem = "FUPIN_SECRET_KEY is not set"
    elif key == DEVELOPMENT_SECRET_KEY or key.startswith("django-insecure-"):
        problem = "FUPIN_SECRET_KEY is the development key"
    elif len(key) < SECRET_KEY_MIN_LENGTH or len(set(key)) < SECRET_KEY_MIN_DISTINCT:
        problem = (f"FUPIN_SECRET_KEY is too weak (it needs at least {SECRET_KEY_MIN_LENGTH} characters, "
                   f"{SECRET_KEY_MIN_DISTINCT} of them different)")
    else:
        return key
    raise ImproperlyConfigured(f"{problem}: production settings need a long random secret key; {SECRET_KEY_HINT}.")


SECRET_KEY = production_secret_key(env_str("FUPIN_SECRET_KEY", ""))
# No built-in audit key: without FUPIN_AUDIT_KEY or FUPIN_AUDIT_KEY_FILE the project refuses to start (ADR 0014).
FUPIN_AUDIT_DEVELOPMENT_KEY = None
DEBUG = env_bool("FUPIN_DEBUG", False)

# HTTPS: the reverse proxy in front terminates TLS and must set (overwrite) X-Forwarded-Proto. FUPIN_SSL_REDIRECT=0
# only for a plain-HTTP check on the loopback; secure cookies still keep sessions off plain HTTP.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("FUPIN_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = int(env_str("FUPIN_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True

# WhiteNoise serves the collected static files right after the security middleware: names with the content's hash
# (CompressedManifestStaticFilesStorage, filled by `fupin collectstatic`) are cached for ten years, gzip and brotli
# included. Only the hashed copies are kept, and source maps (for developers' tools) are not compressed: that halves
# the folder and makes collectstatic about four times faster.
WHITENOISE_KEEP_ONLY_HASHED_FILES = True
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = (*Compressor.SKIP_COMPRESS_EXTENSIONS, "map")
MIDDLEWARE = [MIDDLEWARE[0], "whitenoise.middleware.WhiteNoiseMiddleware", *MIDDLEWARE[1:]]
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
