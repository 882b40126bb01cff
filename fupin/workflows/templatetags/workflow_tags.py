"""`{% load workflow_tags %}{% procedure_table %}`: the procedures with their steps, as the policy page lists them
(the policy page belongs to the rules, a lower layer, which must not import the workflows). Policy administrators
get the links that edit and add steps."""

from django import template
from django.utils.text import capfirst

from fupin.workflows import selectors
from fupin.workflows.models import Procedure
from fupin.workflows.permissions import may_edit_procedures

register = template.Library()


@register.inclusion_tag("workflows/_procedure_table.html", takes_context=True)
def procedure_table(context) -> dict:
    return {"procedures": selectors.procedure_overview(),
            "may_edit": may_edit_procedures(context["request"].user),
            "labels": {"procedures": capfirst(Procedure._meta.verbose_name_plural)}}
