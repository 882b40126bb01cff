"""Checks registered by name: rules kept as data name the check they run, and code registers it once."""

from collections.abc import Callable


def registrar(table: dict[str, Callable]) -> Callable[[str], Callable]:
    """A decorator factory: `@check("name")` puts the function in `table` under that name."""

    def named(name: str) -> Callable:
        def register(function: Callable) -> Callable:
            table[name] = function
            return function

        return register

    return named
