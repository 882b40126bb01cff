"""Statistics as the CLI, the API and the web pages ask for them, scoped to the areas the actor may see."""

from django.utils.translation import gettext_lazy as _

from fupin.accounts.choices import Action
from fupin.accounts.scoping import EVERYWHERE, can, granted_prefixes
from fupin.areas.codes import CODE_LENGTH, PREFIX_LENGTH, level_of, normalise_code
from fupin.areas.selectors import area_by_code
from fupin.core.errors import PermissionDenied, ValidationFailed

from .engines import get_engine
from .metrics import REGISTRY, StatsQuery, get_metric
from .metrics.base import BREAKDOWNS

METRICS_WITHOUT_BREAKDOWN = {"incidence", "measures", "mpi", "diff", "east_west"}


def significant_prefix(code: str) -> str:
    padded = normalise_code(code)
    return padded[: PREFIX_LENGTH[level_of(padded)]]


def stats_query(*, actor, year: int, area_code: str | None = None, level: int | None = None,
                by: str | None = None, line=None, k=None) -> StatsQuery:
    """A StatsQuery the actor may ask: the area must lie in their grants; without one, their grants are the scope."""
    prefixes = granted_prefixes(actor, Action.VIEW)
    prefix = None
    if area_code:
        try:
            prefix = significant_prefix(area_code)
        except ValueError:
            raise ValidationFailed(_("%(code)s is not an area code."), field="area", code=area_code) from None
        area_by_code(prefix.ljust(CODE_LENGTH, "0"))  # NotFound for an unknown code
        if not can(actor, Action.VIEW, prefix.ljust(CODE_LENGTH, "0")):
            raise PermissionDenied()
    elif prefixes is not EVERYWHERE and not prefixes:
        raise PermissionDenied()
    if by is not None and by not in BREAKDOWNS:
        raise ValidationFailed(_("Unknown breakdown %(by)s."), field="by", by=by)
    return StatsQuery(year=year, area=prefix, level=level, by=by, line=line, k=k,
                      prefixes=None if prefixes is EVERYWHERE else tuple(prefixes), actor=actor)


def stats(*, actor, metric: str, year: int, engine: str = "duckdb", area_code: str | None = None,
          level: int | None = None, by: str | None = None, line=None, k=None):
    """The result of a metric: a list of area rows, or one dict for whole-area measures."""
    if metric not in REGISTRY:
        raise ValidationFailed(_("Unknown metric %(metric)s."), field="metric", metric=metric)
    if by and metric in METRICS_WITHOUT_BREAKDOWN:
        raise ValidationFailed(_("%(metric)s has no breakdowns."), field="by", metric=metric)
    query = stats_query(actor=actor, year=year, area_code=area_code, level=level, by=by, line=line, k=k)
    return get_metric(metric).compute(get_engine(engine), query)
