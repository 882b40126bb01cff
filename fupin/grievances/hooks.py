"""Receivers of other apps' signals (connected in apps.py), so that the lower apps never import this one."""

from . import services


def objection_recorded(sender, instance, created: bool, raw: bool = False, **kwargs) -> None:
    """An objection to a public notice recorded: it becomes a complaint of the channel "objection to a public
    notice" (a fixture load, `raw`, makes nothing)."""
    if created and not raw:
        services.ticket_from_objection(objection=instance)
