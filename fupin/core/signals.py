"""Signals that let domain apps announce changes without knowing who listens (statistics refresh on them)."""

from django.dispatch import Signal

# Sent after registry records changed in bulk (an import, a procedure's decision); `years` may be None (unknown).
registry_changed = Signal()
