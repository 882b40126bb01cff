"""`fupin migrate` (and `fupin check --database default`) warn when PostgreSQL sorts text other than by code point:
the name and pinyin searches walk their indexes as ranges (`name >= '张三' AND name < '张丄'`), which is the
prefix only in code-point order (C.UTF-8); under a language's collation, people whose names start with the text
would be missed."""

from django.core import checks
from django.db import connections

CODE_POINT_COLLATIONS = {"C", "POSIX", "C.UTF-8", "C.utf8", "ucs_basic"}


@checks.register(checks.Tags.database)
def text_sorted_by_code_point(app_configs=None, databases=None, **kwargs):
    problems = []
    for alias in databases or ():
        connection = connections[alias]
        if connection.vendor != "postgresql":
            continue
        with connection.cursor() as cursor:
            cursor.execute("SELECT datcollate FROM pg_database WHERE datname = current_database()")
            collation = cursor.fetchone()[0]
        if collation not in CODE_POINT_COLLATIONS:
            problems.append(checks.Warning(
                f"Database {alias!r} sorts text by {collation!r}; the registry's name searches need code-point "
                f"order and will miss people.",
                hint="Create the database with LC_COLLATE 'C.UTF-8' (docs/postgresql.md).", id="registry.W001"))
    return problems
