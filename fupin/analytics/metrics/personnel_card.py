"""The personnel card of the operational records for an area and a year, on every engine."""

from django.utils.translation import gettext_lazy as _

from fupin.personnel.report import personnel_figures

from .base import CardMetric, register


@register
class PersonnelCard(CardMetric):
    name = "personnel"
    label = _("Work teams and cadres card (驻村工作队, 第一书记, training)")
    figures = staticmethod(personnel_figures)
