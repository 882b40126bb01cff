"""`fupin check` (and runserver, migrate) report an audit key configuration that cannot be read."""

from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from .keys import keyring


@checks.register("audit")
def audit_keys_readable(app_configs=None, **kwargs):
    try:
        keyring()
    except ImproperlyConfigured as error:
        return [checks.Error(str(error), hint="docs/adr/0014-keyed-audit-chain.md", id="audit.E001")]
    return []
