"""Labels for what pages would otherwise print as codes: a record type ("funds.fundentry") is its model's name in
the user's language ("fund entries", "資金記錄"), each model label of a text replaced where it stands."""

import re

from django.apps import apps
from django.utils.text import capfirst

MODEL_LABEL = re.compile(r"\b([a-z_]+)\.([a-z_]+)\b")


def record_type_label(text) -> str:
    """"funds.fundentry" → the model's plural name; several ("funds.fundentry, projects.project") each replaced;
    what is not a model label is left as it is."""
    if not text:
        return ""

    def name(match: re.Match) -> str:
        try:
            model = apps.get_model(match.group(1), match.group(2))
        except LookupError:
            return match.group(0)
        return str(capfirst(model._meta.verbose_name_plural))

    return MODEL_LABEL.sub(name, str(text))
