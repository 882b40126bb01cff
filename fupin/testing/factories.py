"""Test data builders: every test makes its users, grants and areas through these."""

import itertools
from pathlib import Path

from fupin.accounts.choices import BUILTIN_ROLES
from fupin.accounts.models import AreaGrant, Role, User
from fupin.areas.divisions import load_divisions

FIXTURE_DIVISIONS = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "divisions" / "dist"
PASSWORD = "correct horse battery staple"
_sequence = itertools.count(1)


def load_fixture_divisions():
    """Load the small hand-made division set (Yunnan's 怒江州, 东莞, 金门 placeholders)."""
    return load_divisions(FIXTURE_DIVISIONS)


def make_user(*, role: str | None = None, area: str | None = "", actions: list[str] | None = None,
              username: str | None = None, **fields) -> User:
    """A user; with `role` or `actions`, granted them in `area` (None: nationwide, "": no grant)."""
    user = User.objects.create_user(username=username or f"user{next(_sequence)}", password=PASSWORD, **fields)
    if role is not None:
        user.roles.add(Role.objects.get(code=role))
    if area != "" and (role or actions):
        granted = actions if actions is not None else list(BUILTIN_ROLES[role][1])
        AreaGrant.objects.create(user=user, area_id=area, actions=granted)
    return user


def system_user() -> User:
    return User.objects.get(username="system")
