"""The one flat table every statistic reads: a row per person per household-year (成员年度事实表).

It is defined once, as an Ibis expression over the operational tables. The `sql` engine runs metrics on it
directly; extraction runs the same expression once and writes the result to Parquet, where the `duckdb` and
`spark` engines read it. Columns and their types are fixed here (FACT_SCHEMA) so every engine sees the same table.

A person belongs to a household-year when they were in the household at the end of that year: joined on or
before 31 December (or no date recorded) and either still in it or left after that day. Money is carried in
integer fen (cents) so that sums are exact on every engine and the engines agree to the last digit.
"""

import ibis
import ibis.expr.datatypes as dt

INDICATOR_COLUMNS = ("food_secure", "clothing_secure", "education_secure", "medical_secure", "housing_secure",
                     "water_secure")

# Bumped whenever FACT_SCHEMA changes: it is part of every partition's signature, so files written under an older
# schema are refilled instead of being read next to new ones.
FACT_SCHEMA_VERSION = 2
FACT_SCHEMA = ibis.schema({
    "year": "int32",
    "household_id": "int64",
    "household_number": "string",
    "member_id": "int64",
    "village": "string",  # the 12-digit code; every higher level is a prefix of it
    "status": "string",
    "attribute": "string",
    "main_cause": "string",
    "monitoring_category": "string",
    "identified_year": "int32",
    "exit_year": "int32",
    "return_year": "int32",
    "sex": "string",
    "age": "int32",
    "ethnicity": "string",
    "labour": "string",
    "health": "string",
    "size_end": "int32",
    "income_pc_fen": "int64",
    **{name: "boolean" for name in INDICATOR_COLUMNS},
    "drinking_water_difficult": "boolean",
})
FACT_COLUMNS = tuple(FACT_SCHEMA.names)
FACT_SORT = ("village", "household_id", "member_id")


def facts_expression(con, *, years: list[int] | None = None, county_codes: list[str] | None = None) -> ibis.Table:
    """The fact table over the operational database reached by the Ibis backend `con`.

    `county_codes` (6 digits) restricts it to some counties, which is how extraction fills one partition.
    """
    household = con.table("registry_household")
    household = household.select(
        hh_id=household.id, household_number=household.number, village=household.area_id,
        county_code=household.county_code, attribute=household.attribute, main_cause=household.main_cause,
        identified_year=household.identified_year, exit_year=household.exit_year,
        return_year=household.return_year,
    )
    household_year = con.table("registry_householdyear")
    household_year = household_year.select(
        "year", "size_end", "status", "monitoring_category", "drinking_water_difficult", *INDICATOR_COLUMNS,
        hy_household_id=household_year.household_id, income_pc=household_year.net_income_per_capita,
    )
    member = con.table("registry_member")
    member = member.select(
        "sex", "birth_date", "ethnicity", "labour", "health", "joined_on", "left_on", "is_active",
        member_id=member.id, m_household_id=member.household_id,
    )
    if years:
        household_year = household_year.filter(household_year.year.isin(years))
    if county_codes:
        household = household.filter(household.county_code.isin(county_codes))
    # 注销 (removed from the register) is counted nowhere.
    household_year = household_year.filter(household_year.status != "9")
    # Written as cross joins filtered by the keys: SQLite keeps the written order (household first, so a county's
    # query starts from the county index instead of scanning every household-year of the year); PostgreSQL
    # plans them as ordinary inner joins.
    rows = household.cross_join(household_year)
    rows = rows.filter(rows.hy_household_id == rows.hh_id)
    rows = rows.cross_join(member)
    rows = rows.filter(rows.hh_id == rows.m_household_id)
    year = rows.year.cast("int32")
    end = ibis.date(year, 12, 31)
    in_household = (
        (rows.joined_on.isnull() | (rows.joined_on <= end))
        & ((rows.is_active & rows.left_on.isnull()) | (rows.left_on > end))
    )
    rows = rows.filter(in_household)
    village = rows.village
    return rows.select(
        year=year,
        household_id=rows.hh_id.cast("int64"),
        household_number=rows.household_number,
        member_id=rows.member_id.cast("int64"),
        village=village,
        status=rows.status,
        attribute=rows.attribute,
        main_cause=rows.main_cause,
        monitoring_category=rows.monitoring_category,
        identified_year=rows.identified_year.cast("int32"),
        exit_year=rows.exit_year.cast("int32"),
        return_year=rows.return_year.cast("int32"),
        sex=rows.sex,
        age=(year - rows.birth_date.year().cast("int32")).cast("int32"),
        ethnicity=rows.ethnicity,
        labour=rows.labour,
        health=rows.health,
        size_end=rows.size_end.cast("int32"),
        income_pc_fen=(rows.income_pc.cast(dt.Decimal(14, 2)) * 100).round().cast("int64"),
        **{name: rows[name].cast("boolean") for name in INDICATOR_COLUMNS},
        drinking_water_difficult=rows.drinking_water_difficult.cast("boolean"),
    ).cast(FACT_SCHEMA)  # varchar(n) and the like become the plain types every engine shares

