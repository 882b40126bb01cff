import tempfile
from pathlib import Path

from .base import *

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="fupin-test-media-"))  # notices and uploads of a test run
ANALYTICS_DIR = Path(tempfile.mkdtemp(prefix="fupin-test-analytics-"))  # snapshots of a test run
FUPIN_AUDIT_CHECKPOINT_DIR = Path(tempfile.mkdtemp(prefix="fupin-test-audit-"))  # audit checkpoints of a test run
ANALYTICS_AUTO_REFRESH = False  # the immediate task backend would run a refresh inside every import test
