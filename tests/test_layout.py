"""The house's rules that a linter cannot see (docs/adr/0015-rooms-and-layers.md).

- Pages, API modules, forms and filtersets never touch a model manager (`.objects.`): they get querysets from the
  app's selectors, which scope them (`Model.objects.scoped(actor, action)`), and write through its services.
- Each domain app keeps its whole surface: the web frame holds only layout, navigation, home, search, dashboard,
  jobs and the household file, which spans apps.
"""

import re
from pathlib import Path

import fupin

PACKAGE = Path(fupin.__file__).parent
SURFACE = ("views.py", "api.py", "forms.py", "filtersets.py")
MANAGER = re.compile(r"\.objects\.|_default_manager")


def surface_modules() -> list[Path]:
    modules = [path for name in SURFACE for path in PACKAGE.glob(f"*/{name}")]
    modules += [path for path in (PACKAGE / "web").glob("*.py") if path.name not in {"__init__.py", "apps.py"}]
    return sorted(set(modules))


def test_pages_and_api_read_through_selectors():
    offenders = [f"{path.relative_to(PACKAGE.parent)}:{number}: {line.strip()}"
                 for path in surface_modules()
                 for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                 if MANAGER.search(line) and not line.lstrip().startswith("#")]
    assert not offenders, "a page or API module touches a model manager:\n" + "\n".join(offenders)


def _private_imports(path: Path) -> list[str]:
    """`from <another fupin module> import _name`: ruff's PLC2701 checks other packages' private names, not the
    project's own (it treats one root package as one module)."""
    import ast

    module = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)  # fupin.x.y or tests.x
    package = module.rsplit(".", 1)[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.ImportFrom):
            continue
        source = node.module or ""
        if node.level:
            base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
            source = f"{base}.{source}" if source else base
        if not source.startswith(("fupin", "tests")) or source == module:
            continue
        found += [f"{path.relative_to(PACKAGE.parent)}:{node.lineno}: {alias.name} from {source}"
                  for alias in node.names if alias.name.startswith("_") and not alias.name.startswith("__")]
    return found


def test_no_module_imports_another_modules_private_names():
    sources = [*PACKAGE.rglob("*.py"), *(PACKAGE.parent / "tests").rglob("*.py")]
    offenders = [line for path in sorted(sources) if "migrations" not in path.parts
                 for line in _private_imports(path)]
    assert not offenders, "private names imported across modules:\n" + "\n".join(offenders)


def test_every_model_that_lives_in_an_area_is_read_scoped():
    """A model with a foreign key to an area, a household or a member has `area_paths` and a ScopedQuerySet
    manager, so its selectors can only read it as `.scoped(actor, action)`. The grants themselves are the scope."""
    from django.apps import apps

    from fupin.accounts.scoping import ScopedQuerySet
    from fupin.areas.models import Area
    from fupin.registry.models import Household, Member

    unscoped = sorted(
        model._meta.label for model in apps.get_models() if model.__module__.startswith("fupin")
        and model._meta.label != "accounts.AreaGrant"
        and any(getattr(field, "many_to_one", False) and field.related_model in (Area, Household, Member)
                for field in model._meta.get_fields())
        and not isinstance(model._default_manager.all(), ScopedQuerySet))
    assert not unscoped, f"models living in an area without .scoped(): {unscoped}"
