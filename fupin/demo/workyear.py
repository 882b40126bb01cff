"""A county's working year (issue 25): the daily work of the demo county (the county of the demo logins, 泸水市
533301 on the real divisions) and its township and village, written through the services like every other record,
on top of the registry the calibrated demo made.

The working year is the twelve months up to the demo's "now" (today): what has happened is dated in the past and
entered in the demo command's 补录 session; what is waiting (open cases, a notice running with an objection, open
findings, visit tasks) is dated up to today and waits in the demo logins' inboxes. Nothing here changes a
household's status: a case stops before the step that would, so both report cards still reproduce the seeds.

Every builder has the signature `build(*, actor, county_code, seed=2026, log=print) -> dict` (what it made, by
kind), is deterministic (seeded random) and idempotent (a second call makes nothing new). Other modules add
theirs to WORKING_YEAR_BUILDERS; the demo command calls `working_year()` once the registry exists.
"""

from collections.abc import Callable

from . import (
    assets,
    field,
    grievances,
    lowincome,
    support,
    workyear_cooperation,
    workyear_history,
    workyear_inboxes,
    workyear_people,
    workyear_procedures,
    workyear_records,
)

Builder = Callable[..., dict]

# The builders of the working year, in the order they run: people first (the cadres every later record names),
# then the procedures and the records that refer to them. Modules of other features append theirs here.
WORKING_YEAR_BUILDERS: list[Builder] = [
    workyear_people.build,
    workyear_records.build,
    workyear_cooperation.build,
    workyear_procedures.build,
    support.build,  # continuing measures, relocation follow-up, a roster survey (2021–2026 rules)
    assets.build,  # linked funds with their stages, project assets with custody, income and a disposal
    lowincome.build,  # the low-income register from the departments' lists, a re-evaluation
    workyear_history.build,  # 2021–2025 for the report card of today: monitoring categories, industry, incomes
    grievances.build,  # complaints and reports at every stage
    field.build,  # cadres' visits and check-ins synced from the phone app (needs the teams and responsibilities)
    workyear_inboxes.build,  # the evaluator's county exit case and sample, the analysts' findings
]


def working_year(*, actor, county_code: str, seed: int = 2026, log=print,
                 builders: list[Builder] | None = None) -> dict:
    """Run every working-year builder for the county; returns what each made (kind → count)."""
    made: dict[str, int] = {}
    for build in builders if builders is not None else WORKING_YEAR_BUILDERS:
        for kind, count in build(actor=actor, county_code=county_code, seed=seed, log=log).items():
            made[kind] = made.get(kind, 0) + count
    return made

