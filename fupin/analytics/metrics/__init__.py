"""The metric registry. A metric is one module in this package defining a `Metric` subclass decorated with
`@register`; nothing else needs to change for `fupin stats`, the API, rollups and report cards to offer it."""

import importlib
import pkgutil

from .base import REGISTRY, Metric, StatsQuery, get_metric, register

__all__ = ["REGISTRY", "Metric", "StatsQuery", "get_metric", "register"]

for _module in pkgutil.iter_modules(__path__):
    if _module.name != "base":
        importlib.import_module(f"{__name__}.{_module.name}")
