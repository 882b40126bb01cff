from django.db import models
from django.utils.translation import gettext_lazy as _


class Action(models.TextChoices):
    """What a grant allows in its area subtree."""

    VIEW = "view", _("view")
    CHANGE = "change", _("add, change and delete")
    APPROVE = "approve", _("decide procedure steps")
    VIEW_SENSITIVE = "view_sensitive", _("see unmasked ID numbers, phones and bank accounts")
    IMPORT = "import", _("import")
    EXPORT = "export", _("export")
    ADMINISTER = "administer", _("administer users and policy data")
    ENTER_HISTORY = "enter_history", _("enter history after the fact (补录)")
    # Complainants' and whistle-blowers' identities (fupin.grievances.confidential): a right of its own, held by
    # the handling office's role that may see them, not implied by view_sensitive.
    VIEW_REPORTER = "view_reporter", _("see the identity of complainants and whistle-blowers (信访)")


ALL_ACTIONS = [action.value for action in Action]

# Built-in roles (data, seeded by a migration; more can be added in the admin). Labels are translated here.
BUILTIN_ROLES = {
    "village_operator": (_("village operator"), ["view", "change", "import", "export"]),
    "township_reviewer": (_("township reviewer"), ["view", "change", "approve", "export"]),
    "county_approver": (_("county approver"), ["view", "change", "approve", "import", "export", "view_sensitive"]),
    "prefecture_reviewer": (_("prefecture reviewer"), ["view", "approve", "export"]),
    "province_analyst": (_("province analyst"), ["view", "export"]),
    "province_approver": (_("province approver"), ["view", "approve", "export"]),
    "evaluator": (_("third-party evaluator"), ["view", "approve"]),
    "partner": (_("eastern partner"), ["view"]),
    "administrator": (_("administrator"), ALL_ACTIONS),
    # Seeded by fupin/grievances/migrations/0002: the handling office's officer who may see reporters' identities.
    "grievance_officer": (_("complaints officer (信访)"), ["view", "change", "view_reporter"]),
}
