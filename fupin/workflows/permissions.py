"""Who may act on a procedure's step: read by the services (before acting) and the selectors (the inbox)."""

from functools import cached_property

from fupin.accounts.choices import Action
from fupin.accounts.scoping import Reach, can_anywhere, reach

from .models import ProcedureStep


class Standing:
    """What one actor holds, each read once and then reused for many steps and areas (the inbox decides every
    open case with one): where the actor may do each action, and the codes of the actor's roles."""

    def __init__(self, actor):
        self.actor = actor
        self._reach: dict[str, Reach] = {}

    def reach(self, action: str) -> Reach:
        if action not in self._reach:
            self._reach[action] = reach(self.actor, action)
        return self._reach[action]

    @cached_property
    def role_codes(self) -> frozenset[str]:
        return frozenset(self.actor.roles.values_list("code", flat=True))

    def may_act(self, step: ProcedureStep, area_code: str) -> bool:
        """The step's action through a grant at the step's level or above, and the step's role — which a
        nationwide administrator (the system account) is taken to hold."""
        if not self.reach(step.action).covers_at_level(area_code, step.level):
            return False
        if not step.role or step.role in self.role_codes:
            return True
        return self.reach(Action.ADMINISTER).everywhere


def may_act(actor, step: ProcedureStep, area_code: str) -> bool:
    """Whether `actor` may act on `step` in the area (Standing.may_act, for one decision)."""
    return Standing(actor).may_act(step, area_code)


def may_edit_procedures(actor) -> bool:
    """Whether to offer the procedure step forms (and let them be posted): a user whose role may administer policy
    somewhere, as for the policy values; the service still decides."""
    return can_anywhere(actor, Action.ADMINISTER)
