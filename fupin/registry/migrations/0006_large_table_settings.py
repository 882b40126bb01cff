"""PostgreSQL storage settings for the registry's big tables (a national registry: ~100 M members, ~30 M households,
a record per household and year). See docs/postgresql.md.

- autovacuum: the defaults (vacuum after 20 % of a table is dead, analyze after 10 % changed) wait for 20 M dead
  member rows at 100 M; these tables are vacuumed after 1 % (members) / 2 % and analyzed after 0.5 % / 1 %, and
  insert-only growth (a yearly roll-forward, a province's import) triggers a vacuum after 2 % new rows, so the
  visibility map stays set and index-only scans stay index-only.
- statistics: the search columns (names in three forms, ID numbers) and the village of a household are far from
  uniform (王 and 李 are a tenth of the country); 500 buckets instead of 100 keep the planner's row estimates for a
  name or a village close enough that it keeps choosing the index.

A no-op on SQLite (and any other database): the options are PostgreSQL's.
"""

from django.db import migrations

TABLES = {
    "registry_member": {"autovacuum_vacuum_scale_factor": 0.01, "autovacuum_analyze_scale_factor": 0.005,
                        "autovacuum_vacuum_insert_scale_factor": 0.02},
    "registry_household": {"autovacuum_vacuum_scale_factor": 0.02, "autovacuum_analyze_scale_factor": 0.01,
                           "autovacuum_vacuum_insert_scale_factor": 0.02},
    "registry_householdyear": {"autovacuum_vacuum_scale_factor": 0.02, "autovacuum_analyze_scale_factor": 0.01,
                               "autovacuum_vacuum_insert_scale_factor": 0.02},
}
STATISTICS = {
    "registry_member": ("name_simplified", "name_pinyin", "name_initials", "id_number"),
    "registry_household": ("area_id", "county_code"),
}
TARGET = 500


def apply(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, options in TABLES.items():
        settings = ", ".join(f"{name} = {value}" for name, value in options.items())
        schema_editor.execute(f"ALTER TABLE {table} SET ({settings})")
    for table, columns in STATISTICS.items():
        for column in columns:
            schema_editor.execute(f"ALTER TABLE {table} ALTER COLUMN {column} SET STATISTICS {TARGET}")


def revert(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, options in TABLES.items():
        schema_editor.execute(f"ALTER TABLE {table} RESET ({', '.join(options)})")
    for table, columns in STATISTICS.items():
        for column in columns:
            schema_editor.execute(f"ALTER TABLE {table} ALTER COLUMN {column} SET STATISTICS -1")


class Migration(migrations.Migration):

    dependencies = [("registry", "0005_yearly_values_not_entered")]

    operations = [migrations.RunPython(apply, revert, elidable=False)]
