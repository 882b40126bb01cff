"""Every write to areas: permission check, one transaction, an audit event."""

from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from fupin.accounts.choices import Action
from fupin.accounts.scoping import can, require
from fupin.audit import registry
from fupin.audit.services import audit_record
from fupin.core import areacodes as codes
from fupin.core.changes import mark_changed
from fupin.core.codelists import ETHNICITY
from fupin.core.errors import Conflict, ValidationFailed
from fupin.core.files.reports import ImportReport, import_writes
from fupin.core.files.tabular import open_table
from fupin.core.sql import chunked

from .divisions import LoadResult, load_divisions
from .importing import DESIGNATION_COLUMNS, ETHNIC_POPULATION_COLUMNS, POPULATION_COLUMNS
from .models import Area, AreaDesignation, AreaEthnicPopulation, AreaYear, DesignationType

AREAS_LOADED = registry.register("areas.loaded", _("loaded administrative divisions"))
AREA_RENAMED = registry.register("areas.renamed", _("renamed an area"))
DESIGNATION_SAVED = registry.register("areas.designation_saved", _("saved an area designation"))
DESIGNATION_DELETED = registry.register("areas.designation_deleted", _("deleted an area designation"))
DESIGNATIONS_IMPORTED = registry.register("areas.designations_imported", _("imported area designations"))
AREA_YEAR_SAVED = registry.register("areas.area_year_saved", _("saved an area's yearly figures"))
AREA_YEAR_DELETED = registry.register("areas.area_year_deleted", _("deleted an area's yearly figures"))
POPULATION_IMPORTED = registry.register("areas.population_imported", _("imported rural population"))
ETHNIC_POPULATION_IMPORTED = registry.register("areas.ethnic_population_imported",
                                               _("imported ethnic groups' rural population"))

MIN_YEAR, MAX_YEAR = 1980, 2100


def divisions_load(*, actor, source_dir, provinces=None, on_progress=None) -> LoadResult:
    require(actor, Action.ADMINISTER, "0" * codes.CODE_LENGTH)
    with transaction.atomic():
        result = load_divisions(source_dir, provinces=provinces, on_progress=on_progress)
        audit_record(actor=actor, action=AREAS_LOADED, object_type="areas.area",
                     after={**result.as_dict(), "provinces": provinces or "all"})
    return result


def area_rename(*, actor, area: Area, name: str) -> Area:
    require(actor, Action.CHANGE, area.code)
    name = name.strip()
    if not name:
        raise ValidationFailed(_("The name must not be empty."), field="name")
    with transaction.atomic():
        before = {"name": area.name}
        area.name = name
        area.save(update_fields=["name"])
        audit_record(actor=actor, action=AREA_RENAMED, obj=area, area_code=area.code,
                     before=before, after={"name": name})
    return area


def _designation_snapshot(item: AreaDesignation) -> dict:
    return {"area": item.area_id, "type": item.designation_type_id, "year": item.year,
            "exit_year": item.exit_year}


def _check_years(year: int, exit_year: int | None) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValidationFailed(_("The year must be between %(low)s and %(high)s."), field="year",
                               low=MIN_YEAR, high=MAX_YEAR)
    if exit_year is not None and exit_year < year:
        raise ValidationFailed(_("The exit year cannot be before the year of designation."), field="exit_year")


def _require_change(actor, area: Area, instance, action: str = Action.CHANGE) -> None:
    require(actor, action, area.code)
    if instance is not None:
        require(actor, action, instance.area_id)


def _save_area_record(*, actor, model, instance, area: Area, unique: dict, values: dict, conflict, action,
                      snapshot):
    """Create or update one per-area record (unique on area + `unique`), audited with before and after."""
    duplicate = model.objects.filter(area=area, **unique)
    if instance is not None:
        duplicate = duplicate.exclude(pk=instance.pk)
    if duplicate.exists():
        raise Conflict(conflict)
    with transaction.atomic():
        before = snapshot(instance) if instance else None
        item = instance or model()
        item.area = area
        for field, value in {**unique, **values}.items():
            setattr(item, field, value)
        item.save()
        audit_record(actor=actor, action=action, obj=item, area_code=area.code, before=before, after=snapshot(item))
    return item


def _delete_area_record(*, actor, instance, action, snapshot) -> None:
    require(actor, Action.CHANGE, instance.area_id)
    with transaction.atomic():
        audit_record(actor=actor, action=action, obj=instance, area_code=instance.area_id, before=snapshot(instance))
        instance.delete()


def designation_save(*, actor, area: Area, designation_type: DesignationType, year: int,
                     exit_year: int | None = None, instance: AreaDesignation | None = None,
                     action: str = Action.CHANGE) -> AreaDesignation:
    """Create or change a designation. A procedure's final decision records an exit with `action="approve"`."""
    _require_change(actor, area, instance, action)
    _check_years(year, exit_year)
    if designation_type.levels and area.level not in designation_type.levels:
        raise ValidationFailed(_("This designation does not apply to an area of this level."), field="area")
    return _save_area_record(
        actor=actor, model=AreaDesignation, instance=instance, area=area,
        unique={"designation_type": designation_type, "year": year}, values={"exit_year": exit_year},
        conflict=_("This area already has this designation for that year."), action=DESIGNATION_SAVED,
        snapshot=_designation_snapshot,
    )


def designation_delete(*, actor, instance: AreaDesignation) -> None:
    _delete_area_record(actor=actor, instance=instance, action=DESIGNATION_DELETED, snapshot=_designation_snapshot)


def area_year_save(*, actor, area: Area, year: int, rural_population: int, households: int | None = None,
                   instance: AreaYear | None = None) -> AreaYear:
    _require_change(actor, area, instance)
    _check_years(year, None)
    if rural_population < 0 or (households is not None and households < 0):
        raise ValidationFailed(_("Population and households cannot be negative."), field="rural_population")
    before = (instance.area_id, instance.year) if instance else None
    with transaction.atomic():
        item = _save_area_record(
            actor=actor, model=AreaYear, instance=instance, area=area, unique={"year": year},
            values={"rural_population": rural_population, "households": households},
            conflict=_("This area already has figures for that year."), action=AREA_YEAR_SAVED,
            snapshot=_area_year_snapshot,
        )
        _mark_populations([before, (item.area_id, item.year)])
    return item


def area_year_delete(*, actor, instance: AreaYear) -> None:
    with transaction.atomic():
        _mark_populations([(instance.area_id, instance.year)])
        _delete_area_record(actor=actor, instance=instance, action=AREA_YEAR_DELETED, snapshot=_area_year_snapshot)


def _mark_populations(area_years) -> None:
    """A rural population is the denominator of 贫困发生率: its change moves the statistics of its county-year."""
    mark_changed((code[:6], year) for code, year in filter(None, area_years))


def _area_year_snapshot(item: AreaYear) -> dict:
    return {"area": item.area_id, "year": item.year, "rural_population": item.rural_population,
            "households": item.households}


# Imports ---------------------------------------------------------------------------------------------------
def _parse_int(report: ImportReport, row: int, column: str, text: str, *, required: bool = True,
               low: int | None = None, high: int | None = None) -> int | None:
    if not text:
        if required:
            report.error(row, column, _("A value is required."))
        return None
    try:
        number = float(text)  # spreadsheets may hand "2014" over as "2014.0"
        if not number.is_integer():
            raise ValueError(text)
        value = int(number)
    except ValueError:
        report.error(row, column, _("“%(value)s” is not a whole number."), value=text)
        return None
    if high is None and low is not None and value < low:
        report.error(row, column, _("%(value)s is less than %(low)s."), value=value, low=low)
        return None
    if (low is not None and value < low) or (high is not None and value > high):
        report.error(row, column, _("%(value)s is outside %(low)s–%(high)s."), value=value, low=low, high=high)
        return None
    return value


def _parse_decimal(report: ImportReport, row: int, column: str, text: str) -> Decimal | None:
    if not text:
        return None
    try:
        value = Decimal(text.replace(",", ""))
    except InvalidOperation:
        report.error(row, column, _("“%(value)s” is not a number."), value=text)
        return None
    if value < 0:
        report.error(row, column, _("This amount cannot be negative."))
        return None
    return value


def _resolve_areas(report: ImportReport, actor, rows: list[tuple[int, dict]], column: str) -> dict[int, Area]:
    """Look up each row's area code in sets; report unknown codes and areas outside the actor's grant."""
    wanted: dict[int, str] = {}
    for number, values in rows:
        try:
            wanted[number] = codes.normalise_code(values["code"])
        except ValueError:
            report.error(number, column, _("“%(value)s” is not a division code of 2, 4, 6, 9 or 12 digits."),
                         value=values["code"])
    found: dict[str, Area] = {}
    for chunk in chunked(sorted(set(wanted.values())), 500):
        found.update((area.code, area) for area in Area.objects.filter(code__in=chunk))
    result: dict[int, Area] = {}
    for number, code in wanted.items():
        area = found.get(code)
        if area is None:
            report.error(number, column, _("No area has the code %(code)s."), code=code)
        elif not can(actor, Action.IMPORT, area.code):
            report.error(number, column, _("%(name)s (%(code)s) is outside the areas granted to you."),
                         name=area.name, code=code)
        else:
            result[number] = area
    return result


def _type_lookup() -> dict[str, DesignationType]:
    lookup: dict[str, DesignationType] = {}
    for item in DesignationType.objects.all():
        for key in (item.code, item.name_zh_hans, item.name_zh_hant, item.name_en):
            lookup[key.strip().lower()] = item
    return lookup


def _area_rows(actor, path, columns, dry_run: bool):
    """An area table's headers as found, its rows, an empty report, and each row's area (checked: it exists and
    the actor may import there; rows whose area is refused are already reported)."""
    table = open_table(path, columns)
    header = {key: column.header for key, column in table.columns.items()}
    rows = list(table.records())
    report = ImportReport(rows=len(rows), dry_run=dry_run)
    return header, rows, report, _resolve_areas(report, actor, rows, header["code"])


def designations_import(*, actor, path: str | Path, dry_run: bool = False,
                        skip_invalid: bool = False) -> ImportReport:
    """Import designations (行政区划代码, 类型, 年度, 退出年度). All or nothing unless `skip_invalid`."""
    header, rows, report, areas = _area_rows(actor, path, DESIGNATION_COLUMNS, dry_run)
    types = _type_lookup()
    parsed: dict[tuple, tuple[int, Area, DesignationType, int, int | None]] = {}
    for number, values in rows:
        kind = types.get(values["type"].strip().lower())
        if kind is None:
            report.error(number, header["type"], _("Unknown designation type “%(value)s”."), value=values["type"])
        year = _parse_int(report, number, header["year"], values["year"], low=MIN_YEAR, high=MAX_YEAR)
        exit_year = _parse_int(report, number, header["exit_year"], values.get("exit_year", ""),
                               required=False, low=MIN_YEAR, high=MAX_YEAR)
        area = areas.get(number)
        if None in (kind, year, area):
            continue
        if exit_year is not None and exit_year < year:
            report.error(number, header["exit_year"], _("The exit year cannot be before the year of designation."))
            continue
        if kind.levels and area.level not in kind.levels:
            report.error(number, header["type"], _("This designation does not apply to an area of this level."))
            continue
        key = (area.code, kind.code, year)
        if key in parsed:
            report.error(number, header["code"], _("The same designation is given again in row %(other)s."),
                         other=parsed[key][0])
            continue
        parsed[key] = (number, area, kind, year, exit_year)
    return _write_import(
        report, actor, skip_invalid, DESIGNATIONS_IMPORTED, path,
        lambda rejected: _upsert_designations(report, [p for p in parsed.values() if p[0] not in rejected]),
    )


def _upsert_designations(report: ImportReport, items) -> None:
    existing = {
        (d.area_id, d.designation_type_id, d.year): d
        for chunk in chunked([item[1].code for item in items], 500)
        for d in AreaDesignation.objects.filter(area_id__in=chunk)
    }
    new = []
    for _number, area, kind, year, exit_year in items:
        current = existing.get((area.code, kind.code, year))
        if current is None:
            new.append(AreaDesignation(area=area, designation_type=kind, year=year, exit_year=exit_year))
        elif current.exit_year != exit_year:
            current.exit_year = exit_year
            current.save(update_fields=["exit_year", "updated_at"])
            report.updated += 1
        else:
            report.unchanged += 1
    AreaDesignation.objects.bulk_create(new, batch_size=1000)
    report.created += len(new)


def population_import(*, actor, path: str | Path, dry_run: bool = False,
                      skip_invalid: bool = False) -> ImportReport:
    """Import rural registered population (行政区划代码, 年度, 乡村人口, 户数): the incidence denominators."""
    header, rows, report, areas = _area_rows(actor, path, POPULATION_COLUMNS, dry_run)
    parsed: dict[tuple, tuple] = {}
    for number, values in rows:
        year = _parse_int(report, number, header["year"], values["year"], low=MIN_YEAR, high=MAX_YEAR)
        population = _parse_int(report, number, header["rural_population"], values["rural_population"], low=0)
        households = _parse_int(report, number, header["households"], values.get("households", ""),
                                required=False, low=0)
        income = _parse_decimal(report, number, header["collective_income"], values.get("collective_income", ""))
        rural_income = _parse_decimal(report, number, header["rural_income"], values.get("rural_income", ""))
        area = areas.get(number)
        if None in (year, population, area):
            continue
        if households is not None and households > population:
            report.error(number, header["households"], _("There are more households than people."))
            continue
        key = (area.code, year)
        if key in parsed:
            report.error(number, header["code"], _("The same area and year are given again in row %(other)s."),
                         other=parsed[key][0])
            continue
        parsed[key] = (number, area, year, population, households, income, rural_income)
    return _write_import(
        report, actor, skip_invalid, POPULATION_IMPORTED, path,
        lambda rejected: _upsert_area_years(report, [p for p in parsed.values() if p[0] not in rejected]),
    )


def _upsert_area_years(report: ImportReport, items) -> None:
    existing = {
        (y.area_id, y.year): y
        for chunk in chunked([item[1].code for item in items], 500)
        for y in AreaYear.objects.filter(area_id__in=chunk)
    }
    new, changed = [], []
    fields = ("rural_population", "households", "collective_income", "rural_income_per_capita")
    for _number, area, year, *values in items:
        current = existing.get((area.code, year))
        if current is None:
            new.append(AreaYear(area=area, year=year, **dict(zip(fields, values, strict=True))))
        elif tuple(getattr(current, name) for name in fields) != tuple(values):
            for name, value in zip(fields, values, strict=True):
                setattr(current, name, value)
            current.save(update_fields=[*fields, "updated_at"])
            changed.append((area.code, year))
            report.updated += 1
        else:
            report.unchanged += 1
    AreaYear.objects.bulk_create(new, batch_size=1000)
    report.created += len(new)
    _mark_populations([*changed, *((item.area_id, item.year) for item in new)])


def ethnic_population_import(*, actor, path: str | Path, dry_run: bool = False,
                             skip_invalid: bool = False) -> ImportReport:
    """Import an ethnic group's rural registered population (行政区划代码, 年度, 民族, 乡村人口): the denominator of
    the group's incidence. The group is given by its code or name (either script)."""

    header, rows, report, areas = _area_rows(actor, path, ETHNIC_POPULATION_COLUMNS, dry_run)
    parsed: dict[tuple, tuple] = {}
    for number, values in rows:
        year = _parse_int(report, number, header["year"], values["year"], low=MIN_YEAR, high=MAX_YEAR)
        population = _parse_int(report, number, header["rural_population"], values["rural_population"], low=0)
        ethnicity = ETHNICITY.lookup(values["ethnicity"])
        if ethnicity is None:
            report.error(number, header["ethnicity"], _("%(value)s is not an ethnic group."),
                         value=values["ethnicity"])
        area = areas.get(number)
        if None in (year, population, area, ethnicity):
            continue
        key = (area.code, year, ethnicity)
        if key in parsed:
            report.error(number, header["code"], _("The same area, year and group are given again in row "
                                                   "%(other)s."), other=parsed[key][0])
            continue
        parsed[key] = (number, population)

    def write(rejected):
        existing = {(p.area_id, p.year, p.ethnicity): p for chunk in chunked(sorted({k[0] for k in parsed}), 500)
                    for p in AreaEthnicPopulation.objects.filter(area_id__in=chunk)}
        new = []
        for key, (number, population) in parsed.items():
            if number in rejected:
                continue
            current = existing.get(key)
            if current is None:
                new.append(AreaEthnicPopulation(area_id=key[0], year=key[1], ethnicity=key[2],
                                                rural_population=population))
            elif current.rural_population != population:
                current.rural_population = population
                current.save(update_fields=["rural_population", "updated_at"])
                report.updated += 1
            else:
                report.unchanged += 1
        AreaEthnicPopulation.objects.bulk_create(new, batch_size=1000)
        report.created += len(new)

    return _write_import(report, actor, skip_invalid, ETHNIC_POPULATION_IMPORTED, path, write)


def _write_import(report: ImportReport, actor, skip_invalid: bool, action: str, path, write) -> ImportReport:
    """All-or-nothing by default: one bad row and nothing is written. With `skip_invalid` the valid rows are. A dry
    run writes the valid rows to count them and rolls back (fupin.core.files.reports.import_writes)."""
    if report.errors and not (skip_invalid or report.dry_run):
        return report
    rejected = {error.row for error in report.errors}
    with import_writes(report):
        write(rejected)
        audit_record(actor=actor, action=action, object_type="import", object_id=Path(path).name,
                     after=report.audit_summary())
    return report
