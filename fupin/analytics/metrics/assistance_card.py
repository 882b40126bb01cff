"""The assistance card of the operational records for an area and a year, on every engine."""

from django.utils.translation import gettext_lazy as _

from fupin.assistance.report import assistance_figures

from .base import CardMetric, register


@register
class AssistanceCard(CardMetric):
    name = "assistance"
    label = _("Household assistance card (一户一策, relocation, microcredit)")
    figures = staticmethod(assistance_figures)
