"""Signals that let domain apps announce changes without knowing who listens (statistics refresh on them)."""

from django.dispatch import Signal

# Sent by core.changes.mark_changed after the transaction that marked (county, year) pairs commits, with `years`
# and `counties`. Only a hint to refresh early: readers compare change counters and never trust it for correctness.
changes_committed = Signal()
