"""The projects card of the operational records for an area and a year, on every engine."""

from django.utils.translation import gettext_lazy as _

from fupin.projects.report import projects_figures

from .base import CardMetric, register


@register
class ProjectsCard(CardMetric):
    name = "projects"
    label = _("Project bank card (projects, beneficiaries, shares by type)")
    figures = staticmethod(projects_figures)
