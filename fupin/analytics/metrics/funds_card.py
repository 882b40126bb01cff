"""The funds card of the operational records for an area and a year, on every engine."""

from django.utils.translation import gettext_lazy as _

from fupin.funds.report import funds_figures

from .base import CardMetric, register


@register
class FundsCard(CardMetric):
    name = "funds"
    label = _("Poverty-alleviation funds card (allocations, shares to designated areas)")
    figures = staticmethod(funds_figures)
