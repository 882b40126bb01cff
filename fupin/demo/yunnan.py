"""Yunnan 2014–2020 at the first seed's scale: the 11 “直过民族” and 人口较少民族 registered in 2014 and helped out of
poverty year by year to 2019, and Shanghai's and Guangdong's East–West cooperation to the end of March 2020,
calibrated so that `fupin report card --area 53 --year 2019 --baseline 2014 --until 2020-03-31` reproduces the
seed's figures from records alone (SEED_FIGURES.md, seed 000).

The divisions are real; everything else is invented. Where each group lives (prefectures), which villages are poor
and paired, and how the aid is spread over years, donors and purposes are demo choices (the seed names none of
them); where the seed gives a bound ("60% 以上") the demo uses a value inside it (CHOICES). `scale` shrinks every
count and amount (the incidences and shares are kept); the helpers (15 Shanghai districts, 3 Guangdong cities) are
not scaled.

The registry goes through the registry's bulk service, each household with its year records 2014–2019 (checked
like any import; each exit kept as a dated transition). Group and village populations and designations go
through their imports. Low-volume cooperation records (funds, workshops, projects) go through their services; the
high-volume ones (parties, pairings, beneficiaries, talent, labour transfers) through their apps' bulk services
(ADR 0013).
"""

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction

from fupin.areas.models import Area
from fupin.areas.services import designations_import, ethnic_population_import, population_import
from fupin.cooperation.bulk import labour_bulk_create, pairings_bulk_create, parties_bulk_create, talent_bulk_create
from fupin.cooperation.creditcode import check_character as credit_check
from fupin.cooperation.models import LabourTransfer, Pairing, Party, TalentExchange
from fupin.cooperation.services import record_save
from fupin.core.areacodes import Level
from fupin.core.codelists import ETHNICITY
from fupin.core.idnumbers import region_known
from fupin.funds.services import entry_save, fund_document_save
from fupin.projects.bulk import beneficiaries_bulk_create, fundings_bulk_create
from fupin.projects.models import ProjectBeneficiary, ProjectFunding
from fupin.projects.services import project_save
from fupin.registry.bulk import Submission, households_bulk_register
from fupin.registry.models import Household, Member

from .calibration import CalibratedDemo, Identities, family, split

YUNNAN, SHANGHAI = "530000000000", "310000000000"
BASELINE, YEAR, UNTIL = 2014, 2019, datetime.date(2020, 3, 31)
START = datetime.date(2016, 1, 1)  # "2016年以来"

# The first seed's figures (SEED_FIGURES.md, seed 000) at scale 1.
SEED = {
    "exited_persons": 707_500, "villages_exited": 1_039, "incidence_2014": Decimal("0.2669"),
    "incidence_2019": Decimal("0.0241"), "groups_out_as_whole": 9,
    "fiscal_aid": Decimal("13308000000"), "arrived_2020": Decimal("4421000000"), "projects": 4_127,
    "helped_out": 372_200, "donation_31": Decimal("610000000"), "donation_44": Decimal("568000000"),
    "workshops": 394, "professionals": 2_448, "moved_into_jobs": 179_200, "paired_counties": 88,
    "townships": 439, "eastern_towns": 277, "paired_villages": 710, "eastern_villages": 490,
    "enterprise_villages": 2_500, "enterprises": 1_993, "social_villages": 205, "social_orgs": 208,
    "schools": 315, "eastern_schools": 310, "medical": 241, "hospitals": 241,
    # 民族团结进步示范 (figure 22): its areas over three 3-year rounds and what the province put into them.
    "demonstration_counties": 36, "demonstration_townships": 229, "demonstration_villages": 3_122,
    "demonstration_provincial": Decimal("4130000000"), "demonstration_integrated": Decimal("26700000000"),
}
# Values the demo chooses where the seed gives none or only a bound.
CHOICES = {
    "group_population": 2_913_900,  # the groups' rural population; with the two incidences it fixes the poor
    "industry_labour_share_2020": Decimal("0.61"),  # the seed: "60%以上"
    "poor_villages": 1_200,  # designated poor villages in the groups' areas, of which the seed's 1,039 exited
    "demonstration_rounds": (2011, 2014, 2017),  # the seed says "three rounds" of three years, not which
}
AT_LEAST_ONE = frozenset(key for key, value in SEED.items() if isinstance(value, int))
# Where each group lives (prefectures, a demo choice after where they mostly do), a weight for its population
# (after the 2010 census) and whether it is out of poverty as a whole by 2019 (the seed: all but 怒族 and 傈僳族).
GROUPS = (
    ("20", 668, False, ("5333", "5307", "5334")), ("24", 475, True, ("5308", "5309")),
    ("21", 400, True, ("5309", "5308")), ("28", 142, True, ("5331",)), ("34", 116, True, ("5328", "5309")),
    ("40", 42, True, ("5307", "5333")), ("39", 38, True, ("5331",)), ("42", 32, False, ("5333",)),
    ("56", 23, True, ("5328",)), ("46", 20, True, ("5331", "5309")), ("51", 7, True, ("5333",)),
)
WHOLE_GROUP_INCIDENCE = Decimal("0.01")  # the groups out as a whole keep 1 % poor, the 怒族 5 %, 傈僳族 the rest
NU_INCIDENCE = Decimal("0.05")
EXIT_YEARS = (2015, 2015, 2016, 2016, 2016, 2016, 2017, 2017, 2017, 2017, 2017, 2018, 2018, 2018, 2018, 2018,
              2019, 2019, 2019, 2019)  # a household's exit year, by its serial
GUANGDONG_CITIES = {"440400000000": ("533300000000", "533400000000"),  # 珠海 → 怒江, 迪庆
                    "442000000000": ("530600000000",), "441900000000": ("530600000000",)}  # 中山, 东莞 → 昭通
SIZES = (3, 2, 4, 1, 3, 5, 2, 3, 4, 2)


def _round(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass
class Plan:
    """Per group: rural population, poor at the end of 2014 and at the end of 2019 (exits are the difference)."""

    population: dict[str, int]
    poor_2014: dict[str, int]
    poor_2019: dict[str, int]

    @classmethod
    def make(cls, total: int, exits: int) -> "Plan":
        weights = sum(weight for _code, weight, _whole, _where in GROUPS)
        population = {code: total * weight // weights for code, weight, _whole, _where in GROUPS}
        population["20"] += total - sum(population.values())
        poor_2019 = {code: _round(population[code] * (WHOLE_GROUP_INCIDENCE if whole else NU_INCIDENCE))
                     for code, _weight, whole, _where in GROUPS if code != "20"}
        poor_2019["20"] = _round(total * SEED["incidence_2019"]) - sum(poor_2019.values())
        exited = {code: exits * population[code] // total for code in population}
        exited["20"] += exits - sum(exited.values())
        return cls(population, {code: poor_2019[code] + exited[code] for code in population}, poor_2019)


class YunnanDemo(CalibratedDemo):
    """Builds the demo in `run()`: the registry year by year (the services commit batch by batch), then every
    other record in one transaction."""

    name, SEED, CHOICES, AT_LEAST_ONE = "yunnan", SEED, CHOICES, AT_LEAST_ONE

    def __init__(self, *, actor, scale: Decimal = Decimal(1), log=print):
        super().__init__(actor=actor, scale=scale, log=log)
        self.plan = Plan.make(self.n("group_population"), self.n("exited_persons"))
        villages: dict[str, list[str]] = {}
        for code in Area.objects.filter(level=Level.VILLAGE, code__startswith="53").order_by("code").values_list(
                "code", flat=True):
            if region_known(code[:6]):  # ID numbers carry the county's code
                villages.setdefault(code[:4], []).append(code)
        self.villages = villages
        self.group_villages = {code: [v for p in where for v in villages.get(p, [])]
                               for code, _weight, _whole, where in GROUPS}

    @classmethod
    def missing(cls) -> list[str]:
        """The areas the demo needs that are not loaded (it runs only on Yunnan's and the partners' divisions)."""
        needed = {YUNNAN, SHANGHAI, *GUANGDONG_CITIES} | {p.ljust(12, "0") for *_, where in GROUPS for p in where}
        return sorted(needed - set(Area.objects.filter(code__in=needed).values_list("code", flat=True)))

    # The registry -----------------------------------------------------------------------------------------
    def _submissions(self):
        """Every household of the groups, registered with its history 2014–2019: the still-poor first, then those
        who exit (each in the year its serial gives), each group's spread over its villages."""
        adults = Identities(datetime.date(1950, 1, 1), 18_000, 0)
        children = Identities(datetime.date(2003, 1, 1), 2_500, 200)
        serial = 0
        exit_of = self.village_exits()
        for code, _weight, _whole, _where in GROUPS:
            villages, ethnicity = self.group_villages[code], ETHNICITY.label(code, "zh-hans")
            # A poor village that exits in year Y holds only households out of poverty by Y, so its records show
            # its exit; the still-poor live in the other villages.
            living_in = {year: [v for v in villages if exit_of.get(v, YEAR + 1) >= year] or villages
                         for year in {*EXIT_YEARS, YEAR + 1}}
            for persons, exiting in ((self.plan.poor_2019[code], False),
                                     (self.plan.poor_2014[code] - self.plan.poor_2019[code], True)):
                made = 0
                while made < persons:
                    size = min(SIZES[serial % len(SIZES)], persons - made)
                    exit_year = EXIT_YEARS[(serial + 1) % len(EXIT_YEARS)] if exiting else None
                    choices = living_in[exit_year or YEAR + 1]
                    village = choices[serial % len(choices)]
                    serial, made = serial + 1, made + size
                    records = [(year, {"wage_income": str((4800 if exit_year and year >= exit_year else 2200) * size),
                                       "size_end": size, "status": "1" if exit_year and year >= exit_year else "0"})
                               for year in range(BASELINE, YEAR + 1)]
                    household = {"number": f"{village[6:]}{serial:08d}", "attribute": "一般贫困户",
                                 "main_cause": ("缺技术", "缺资金", "交通条件落后", "因病", "缺劳力")[serial % 5],
                                 "identified_year": BASELINE, "status": records[-1][1]["status"],
                                 **({"exit_year": exit_year} if exit_year else {})}
                    members = family(serial, size, village[:6], ethnicity, adults, children)
                    yield Submission(village, household, members, YEAR, records[-1][1], history=tuple(records[:-1]))

    def registry(self, progress=None) -> None:
        """The households as a county migrating its registry would submit them: each with its year records since
        2014 (the bulk service checks every record and keeps each change of status as a dated transition)."""
        result = households_bulk_register(actor=self.actor, today=datetime.date(BASELINE, 10, 31),
                                          submissions=self._submissions(), on_progress=progress)
        self.log(f"Yunnan registry {BASELINE}–{YEAR}: {result.households} households, {result.members} members.")

    def village_populations(self) -> dict[str, int]:
        """The rural population of every village the groups live in: each group's population spread evenly over
        its villages, as its households are (a demo choice; the demo's Yunnan holds the groups alone). Every level
        above sums its villages, so 贫困发生率 shows on every Yunnan dashboard, map and chart, and the province's is
        the seed's: the groups' poor over their 2,913,900 people."""
        populations: dict[str, int] = {}
        for code, population in self.plan.population.items():
            villages = self.group_villages[code]
            share, rest = divmod(population, len(villages))
            for k, village in enumerate(villages):
                populations[village] = populations.get(village, 0) + share + (k < rest)
        return populations

    def populations_and_designations(self) -> None:
        rows = [["行政区划代码", "年度", "民族", "乡村人口"]]
        rows += [[YUNNAN, year, code, population] for year in range(BASELINE, YEAR + 1)
                 for code, population in self.plan.population.items()]
        self.imported(ethnic_population_import, rows)
        self.imported(population_import, [["行政区划代码", "年度", "乡村人口"]] + [
            [village, year, population] for year in range(BASELINE, YEAR + 1)
            for village, population in sorted(self.village_populations().items())])
        counties = sorted({v[:6] for villages in self.group_villages.values() for v in villages})
        rows = [["行政区划代码", "类型", "年度", "退出年度"]]
        rows += [[county.ljust(12, "0"), "direct_transition_area", BASELINE, ""] for county in counties]
        exits = self.village_exits()
        rows += [[village, "poor_village", BASELINE, exits.get(village, "")] for village in self.poor_villages()]
        self.imported(designations_import, rows)

    def poor_villages(self) -> list[str]:
        """Poor villages spread over the groups' villages."""
        lived_in = sorted({v for villages in self.group_villages.values() for v in villages})
        wanted = min(self.n("poor_villages"), len(lived_in))
        step = max(len(lived_in) // max(wanted, 1), 1)
        return lived_in[::step][:wanted]

    def village_exits(self) -> dict[str, int]:
        """The poor villages that exit, the first ones, each in a year of 2016–2019 (the seed's 1,039)."""
        return {village: 2016 + k % 4 for k, village in enumerate(self.poor_villages()[:self.n("villages_exited")])}

    # East–West cooperation --------------------------------------------------------------------------------
    def _areas(self, prefix: str, level: int, count: int) -> list[Area]:
        return list(Area.objects.filter(code__startswith=prefix, level=level).order_by("code")[:count])

    def _area_parties(self, areas: list[Area]) -> list[Party]:
        existing = {p.area_id: p for p in Party.objects.filter(kind="area", area__in=areas)}
        missing = {a.code: a for a in areas if a.code not in existing}
        new = self.bulk(parties_bulk_create, [Party(kind="area", name=a.name, area=a) for a in missing.values()])
        by_area = {**existing, **{p.area_id: p for p in new}}
        return [by_area[a.code] for a in areas]

    def _organisations(self, kind: str, name: str, areas: list[Area], count: int, authority: str = "") -> list:
        """`count` organisations of a kind spread over `areas`; with `authority`, each has a valid 统一社会信用代码."""
        parties = []
        for k in range(count):
            area = areas[k % len(areas)]
            code = ""
            if authority:
                first17 = f"{authority}{area.code[:6]}{k + 1:08d}Y"
                code = first17 + credit_check(first17)
            parties.append(Party(kind=kind, name=f"{area.name}{name}{k + 1:04d}", area=area, credit_code=code))
        return self.bulk(parties_bulk_create, parties)

    def _pairings(self, programme: str, helpers: list[Party], helped: list[Party],
                  start: datetime.date = datetime.date(2017, 1, 1)) -> list[Pairing]:
        """As many pairings as the larger side: every party on each side in at least one (many-to-many); two
        sides of the same length are paired one to one."""
        count = max(len(helpers), len(helped)) if helpers and helped else 0
        return self.bulk(pairings_bulk_create, [Pairing(programme_id=programme, helper=helpers[k % len(helpers)],
                                           helped=helped[k % len(helped)], start_date=start)
                                   for k in range(count)])

    def pairings(self) -> None:
        prefectures = self._areas("53", Level.PREFECTURE, 16)
        guangdong = {code: Area.objects.get(code=code) for code in GUANGDONG_CITIES}
        districts = self._areas("31", Level.COUNTY, 15)
        taken = {c for helped in GUANGDONG_CITIES.values() for c in helped}
        for_shanghai = [p for p in prefectures if p.code not in taken]
        pairs = [(d, for_shanghai[k % len(for_shanghai)]) for k, d in enumerate(districts)]
        pairs += [(guangdong[code], Area.objects.get(code=helped)) for code, codes in GUANGDONG_CITIES.items()
                  for helped in codes]
        helpers = self._area_parties([helper for helper, _helped in pairs])
        self.east_west = self._pairings("east_west", helpers, self._area_parties([h for _, h in pairs]),
                                        start=datetime.date(2016, 7, 1))
        eastern = [*districts, *guangdong.values()]
        counties = [c for c in self._areas("53", Level.COUNTY, 200) if region_known(c.code[:6])]
        self._pairings("hand_in_hand", self._area_parties(eastern),
                       self._area_parties(counties[:self.n("paired_counties")]))
        towns = [a for prefix in ("31", *[c[:4] for c in GUANGDONG_CITIES]) for a in self._areas(
            prefix, Level.TOWNSHIP, self.n("eastern_towns"))][:self.n("eastern_towns")]
        self._pairings("hand_in_hand", self._area_parties(towns),
                       self._area_parties(self._areas("53", Level.TOWNSHIP, self.n("townships"))))
        villages = sorted({v for vs in self.group_villages.values() for v in vs})
        village_areas = {a.code: a for a in Area.objects.filter(code__in=villages[:self.n("enterprise_villages")])}
        ours = [village_areas[v] for v in villages[:self.n("enterprise_villages")]]
        theirs = [a for prefix in ("31", *[c[:4] for c in GUANGDONG_CITIES]) for a in self._areas(
            prefix, Level.VILLAGE, self.n("eastern_villages"))][:self.n("eastern_villages")]
        self._pairings("hand_in_hand", self._area_parties(theirs),
                       self._area_parties(ours[:self.n("paired_villages")]))
        self._pairings("enterprises", self._organisations("enterprise", "帮扶企业", eastern, self.n("enterprises"),
                                                          "91"), self._area_parties(ours))
        self._pairings("social_org", self._organisations("social_org", "公益基金会", eastern, self.n("social_orgs"),
                                                         "53"), self._area_parties(ours[:self.n("social_villages")]))
        self._pairings("school_pairs", self._organisations("school", "对口学校", eastern, self.n("eastern_schools")),
                       self._organisations("school", "中心学校", counties, self.n("schools")))
        self._pairings("hospital_pairs", self._organisations("hospital", "医院", eastern, self.n("hospitals")),
                       self._organisations("medical", "卫生院", counties, self.n("medical")))

    def funds(self) -> None:
        """Fiscal aid by year over the East–West pairings (the end of March 2020 included), the 2020 part 61 % for
        industry and labour; donations from each province's society."""
        earlier = self.money("fiscal_aid") - self.money("arrived_2020")
        years = dict(zip((2016, 2017, 2018, 2019), split(earlier, 4, Decimal("0.01")), strict=True))
        for year, total in years.items():
            for pairing, amount in zip(self.east_west, split(total, len(self.east_west), Decimal("0.01")),
                                       strict=True):
                self._fund(pairing, "fiscal_aid", ("industry", "labour", "infrastructure")[year % 3], amount,
                           datetime.date(year, 9, 30))
        share = CHOICES["industry_labour_share_2020"]
        for pairing, amount in zip(self.east_west, split(self.money("arrived_2020"), len(self.east_west),
                                                         Decimal("0.01")), strict=True):
            industry = (amount * share).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
            for purpose, part in (("industry", industry), ("infrastructure", amount - industry)):
                self._fund(pairing, "fiscal_aid", purpose, part, datetime.date(2020, 3, 20))
        for province in ("31", "44"):
            donor = self._area_parties([Area.objects.get(code=province.ljust(12, "0"))])[0]
            for year, amount in zip((2016, 2017, 2018, 2019), split(self.money(f"donation_{province}"), 4,
                                                                   Decimal("0.01")), strict=True):
                record_save(actor=self.actor, kind="fund", data={
                    "kind": "donation", "donor": donor, "area": Area.objects.get(code=YUNNAN), "purpose": "other",
                    "committed_amount": amount, "committed_on": datetime.date(year, 6, 1),
                    "arrived_amount": amount, "arrived_on": datetime.date(year, 6, 1)})

    def demonstration(self) -> None:
        """民族团结进步示范 in three rounds: the seed's counties, townships and villages (spread over Yunnan's
        divisions), designated through the designations import in their round's first year, and each round a
        provincial and an integrated-funds document allocated over the round's areas through the funds services."""
        every = sorted(v for villages in self.villages.values() for v in villages)
        chosen = []
        for key, areas in (("demonstration_counties", sorted({v[:6] for v in every})),
                           ("demonstration_townships", sorted({v[:9] for v in every})),
                           ("demonstration_villages", every)):
            wanted = min(self.n(key), len(areas))
            chosen += [area.ljust(12, "0") for area in areas[::max(len(areas) // max(wanted, 1), 1)][:wanted]]
        rounds = CHOICES["demonstration_rounds"]
        by_round = {year: chosen[k::len(rounds)] for k, year in enumerate(rounds)}
        self.imported(designations_import, [["行政区划代码", "类型", "年度", "退出年度"]] + [
            [code, "ethnic_unity_demonstration", year, ""] for year, codes in by_round.items() for code in codes])
        yunnan = Area.objects.get(code=YUNNAN)
        for source, key, issuer in (("provincial_fiscal", "demonstration_provincial", "云财农"),
                                    ("integrated", "demonstration_integrated", "云财整合")):
            for (year, codes), amount in zip(by_round.items(), split(self.money(key), len(rounds), Decimal("0.01")),
                                             strict=True):
                document = fund_document_save(actor=self.actor, data={
                    "number": f"{issuer}〔{year}〕示范1号", "title": f"{year}年民族团结进步示范区建设资金",
                    "source": source, "year": year, "issuing_area": yunnan, "total": amount,
                    "issued_on": datetime.date(year, 3, 1)})
                for code, part in zip(codes, split(amount, len(codes), Decimal("0.01")), strict=True):
                    entry_save(actor=self.actor, data={"document": document, "kind": "allocate",
                                                       "area": Area.objects.get(code=code), "amount": part,
                                                       "date": datetime.date(year, 3, 15)})

    def _fund(self, pairing: Pairing, kind: str, purpose: str, amount: Decimal, on: datetime.date) -> None:
        record_save(actor=self.actor, kind="fund", data={
            "kind": kind, "pairing": pairing, "donor": pairing.helper, "area": pairing.helped.area,
            "purpose": purpose, "committed_amount": amount, "committed_on": on, "arrived_amount": amount,
            "arrived_on": on, "document": f"协作资金〔{on.year}〕"})

    def projects(self) -> None:
        """The projects the aid paid for, in the groups' villages, and the households they reached: exactly the
        seed's number of registered poor out of poverty among their members."""
        count, wanted = self.n("projects"), self.n("helped_out")
        # A project reaches households of its own county: the villages are taken one per county in turn, so the
        # projects spread over every county the groups live in.
        by_county: dict[str, list[str]] = {}
        for village in sorted({v for vs in self.group_villages.values() for v in vs}):
            by_county.setdefault(village[:6], []).append(village)
        villages = [vs[k] for k in range(max(map(len, by_county.values()))) for vs in by_county.values()
                    if k < len(vs)][:count]
        areas = {a.code: a for a in Area.objects.filter(code__in=villages)}
        projects: dict[str, list] = {}
        fundings = []
        earlier = self.money("fiscal_aid") - self.money("arrived_2020")
        for k, amount in enumerate(split(earlier, count, Decimal("0.01"))):
            year, village = 2016 + k % 4, villages[k % len(villages)]
            project = project_save(actor=self.actor, data={
                "name": f"沪滇粤滇协作产业项目{k + 1:04d}", "type": "industry", "area": areas[village], "year": year,
                "helper": self.east_west[k % len(self.east_west)].helper,
                "planned_start": datetime.date(year, 4, 1), "planned_end": datetime.date(year, 12, 31)})
            projects.setdefault(village[:6], []).append(project)
            fundings.append(ProjectFunding(project=project, source="east_west_aid", planned=amount, actual=amount))
        self.bulk(fundings_bulk_create, fundings)
        reached, rows = 0, []
        exited = Household.objects.filter(area__code__startswith="53", status="1", years__year=YEAR).order_by(
            "pk").values_list("pk", "county_code", "years__size_end")
        for household, county, size in exited.iterator():
            if reached == wanted:
                break
            if reached + size > wanted or county not in projects:  # a smaller household further on fills the rest
                continue
            near = projects[county]
            rows.append(ProjectBeneficiary(project=near[len(rows) % len(near)], household_id=household,
                                           mechanism="wages", amount=Decimal("2000"), persons=size))
            reached += size
        self.bulk(beneficiaries_bulk_create, rows)

    def people(self) -> None:
        """Workshops, professionals sent and the poor moved into jobs in the east."""
        on = [datetime.date(year, 5, 1) for year in range(2016, 2020)]
        for k in range(self.n("workshops")):
            pairing = self.east_west[k % len(self.east_west)]
            record_save(actor=self.actor, kind="workshop", data={
                "name": f"扶贫车间{k + 1:03d}", "operator": f"{pairing.helper.name}援建", "pairing": pairing,
                "area": pairing.helped.area, "opened_on": on[k % 4], "jobs": 40})
        fields = ("education", "medical", "agriculture", "other")
        self.bulk(talent_bulk_create, [TalentExchange(
            pairing=self.east_west[k % len(self.east_west)], area=self.east_west[k % len(self.east_west)].helped.area,
            person=f"专技人才{k + 1:04d}", unit=self.east_west[k % len(self.east_west)].helper.name,
            kind="professional", field=fields[k % 4], direction="to_helped", start_date=on[k % 4])
            for k in range(self.n("professionals"))])
        workers = Member.objects.filter(household__area__code__startswith="53", relation__in=("01", "02"),
                                        household__status__in=("0", "1")).order_by("pk").values_list(
            "pk", "household__area_id")[:self.n("moved_into_jobs")]
        self.bulk(labour_bulk_create, [LabourTransfer(
            member_id=member, area_id=village, employer="东部用工企业", work_province=("31", "44")[k % 2],
            start_date=datetime.date(2017 + k % 3, 3, 1) if k % 10 else datetime.date(2020, 3, 1),
            transport=("bus", "plane", "train", "")[k % 4])
            for k, (member, village) in enumerate(workers)])

    def run(self, progress=None) -> None:
        if Household.objects.filter(area__code__startswith="53", identified_year=BASELINE).exists():
            self.log("The Yunnan demo is already loaded.")
            return
        with self.history():  # 2014–2020, entered after the fact (补录)
            self.registry(progress)
            with transaction.atomic():
                self.populations_and_designations()
                self.pairings()
                self.funds()
                self.demonstration()
                self.projects()
                self.people()
