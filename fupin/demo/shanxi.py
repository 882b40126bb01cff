"""Shanxi 2017–2018 at the second seed's scale: a synthetic registry and helping-side records calibrated so that
the province's report card reproduces the seed's figures (SEED_FIGURES.md, seed 002) from records alone.

The divisions are real; everything else is invented. Which counties are the deep-poverty, poor and exited ones
is a demo choice (the seed names none of them): counties are taken in code order. Where the seed gives a bound
rather than a figure ("> 20 %" of re-lending, "60 % 以上" of first secretaries), the demo uses a value inside it
and says so in DEMO_CHOICES. `scale` shrinks every count and amount (shares are kept) for tests and laptops.

Households are registered through the registry's bulk service (every rule applies); designations and the
survey's figures through the area imports; low-volume helping records (fund documents and entries, projects,
pairings) through their services; the high-volume ones (cadres, teams, memberships, loans, measures, trainees,
labour transfers) through their apps' bulk services — the same rules checked in sets, one transaction and one
audit event per call (ADR 0013).
"""

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction

from fupin.areas.models import Area
from fupin.areas.services import designations_import, population_import
from fupin.assistance.bulk import (
    delivered_bulk_create,
    loans_bulk_create,
    origin_actions_bulk_create,
    origin_villages_bulk_create,
)
from fupin.assistance.models import DeliveredMeasure, Loan, MeasureType, OriginAction, OriginVillage
from fupin.cooperation.bulk import labour_bulk_create
from fupin.cooperation.models import LabourTransfer, Party, Programme
from fupin.cooperation.services import pairing_save, party_for_area, party_save, record_save
from fupin.core.areacodes import Level
from fupin.core.idnumbers import region_known
from fupin.funds.services import entry_save, fund_document_save
from fupin.personnel.bulk import (
    cadres_bulk_create,
    contacts_bulk_create,
    memberships_bulk_create,
    programmes_bulk_create,
    teams_bulk_create,
    trainees_bulk_create,
)
from fupin.personnel.models import Cadre, ContactLeader, TeamMembership, Trainee, TrainingProgramme, WorkTeam
from fupin.projects.bulk import beneficiaries_bulk_create, fundings_bulk_create
from fupin.projects.models import ProjectBeneficiary, ProjectFunding
from fupin.projects.services import project_save
from fupin.registry.bulk import Submission, households_bulk_register
from fupin.registry.models import Household, Member

from .calibration import CalibratedDemo, Identities, count_at, family, money_at, split
from .households import SURNAMES

SHANXI = "140000000000"
BEIJING = "110000000000"
YEAR = 2017

# The second seed's figures (SEED_FIGURES.md, seed 002) at scale 1.
SEED = {
    "poor_area_income": Decimal("7330"), "poor_area_income_growth": Decimal("0.107"),
    "growth_above_province": Decimal("0.037"),
    "exited_persons": 750_000, "incidence": Decimal("0.039"), "deep_counties": 10, "deep_villages": 3_350,
    "deep_persons": 284_700, "counties_exited": 15, "villages_exited": 2_557,
    "ecological_persons": 519_000, "loans_amount": Decimal("8382000000"), "loans_households": 176_300,
    "origin_villages": 3_350, "origin_started": 2_487, "origin_completed": 884, "origin_reclaimed": 381,
    "contact_leaders": 11_652, "work_teams": 13_985, "team_members": 40_180, "first_secretaries": 10_009,
    "central_units": 26, "central_counties": 35, "central_cadres": 77, "central_projects": 69,
    "central_funds": Decimal("1380000000"), "central_beneficiaries": 117_000,
    "central_invested": Decimal("1335000000"), "central_trained": 253_400, "central_jobs": 82_000,
    "trained": 72_000, "training_budget": Decimal("180000000"), "jobs": 90_000,
    "share_fiscal_2017": Decimal("0.305"), "share_fiscal_2018": Decimal("0.303"),
    "share_revolving_2017": Decimal("0.226"), "relending_increase_2018": Decimal("300000000"),
    "share_returning_farmland": Decimal("0.43"), "share_afforestation": Decimal("0.39"),
    "share_photovoltaic": Decimal("0.43"), "share_housing": Decimal("0.376"),
}
# Values the demo chooses where the seed gives none or only a bound.
DEMO_CHOICES = {
    "poor_persons": 390_000,  # poor at the end of 2017; with the incidence it fixes the rural population
    "poor_counties": 58,  # 36 national key + 22 provincial poor counties
    "province_rural_income_2016": Decimal("10082"),
    "poor_villages": 7_993,
    "share_relending_2017": Decimal("0.21"),  # the seed: "20 % 以上"
    "provincial_units_per_deep_county": 4,  # the seed: "3—5家省直单位包村帮扶"
    "first_secretary_share": Decimal("0.61"),  # the seed: "60 % 以上" from province or prefecture
    "fiscal_total_2017": Decimal("6000000000"), "fiscal_total_2018": Decimal("7000000000"),
    "revolving_total": Decimal("500000000"), "relending_total": Decimal("10000000000"),
    "scale_returning_farmland": Decimal("1000000"), "scale_afforestation": Decimal("2000000"),
    "scale_photovoltaic": Decimal("1000000"), "scale_housing": Decimal("100000"),
}
SIZES = (3, 2, 4, 1, 3, 5, 2, 3, 4, 2)
AT_LEAST_ONE = {"central_units", "central_counties", "central_projects"}


@dataclass
class World:
    """The areas the demo uses, chosen in code order."""

    counties: list[str]
    villages: dict[str, list[str]]  # county → its villages
    deep: list[str]
    exited: list[str]
    poor: list[str]  # all poor counties (deep and exited included)
    deep_villages: list[str]
    poor_villages: list[str]
    exited_villages: list[str]

    @classmethod
    def choose(cls, scale: Decimal) -> "World":
        villages: dict[str, list[str]] = {}
        for code in Area.objects.filter(level=Level.VILLAGE, code__startswith="14").order_by("code").values_list(
                "code", flat=True):
            villages.setdefault(code[:6], []).append(code)
        # Development zones (140171 …) are not counties: nobody's ID number carries their code.
        counties = sorted(code for code in villages if region_known(code))
        deep_count, exited_count = SEED["deep_counties"], SEED["counties_exited"]
        if len(counties) < deep_count + exited_count + 2:
            raise ValueError(f"the Shanxi demo needs at least {deep_count + exited_count + 2} counties with villages")
        poor = counties[:min(DEMO_CHOICES["poor_counties"], len(counties) - 2)]
        deep, exited = poor[:deep_count], poor[deep_count:deep_count + exited_count]
        in_deep = [v for c in deep for v in villages[c]]
        # Deep-poverty villages beyond the deep counties' own lie outside the counties that exit: those keep no
        # poor household, so their records show the exit.
        outside = [v for c in counties if c not in deep and c not in exited for v in villages[c]]
        deep_villages = (in_deep + outside)[:count_at(SEED["deep_villages"], scale)]
        candidates = [v for c in poor if c not in deep for v in villages[c] if v not in set(deep_villages)]
        poor_villages = candidates[:count_at(DEMO_CHOICES["poor_villages"], scale)]
        return cls(counties, villages, deep, exited, poor, deep_villages, poor_villages,
                   poor_villages[:count_at(SEED["villages_exited"], scale)])


class ShanxiDemo(CalibratedDemo):
    """Builds the demo in `run()`: the registry first (the bulk service commits batch by batch), then every other
    record in one transaction, so a failure leaves the registry and nothing half-made on the helping side."""

    name, SEED, CHOICES, AT_LEAST_ONE = "shanxi", SEED, DEMO_CHOICES, frozenset(AT_LEAST_ONE)

    def __init__(self, *, actor, scale: Decimal = Decimal(1), log=print):
        super().__init__(actor=actor, scale=scale, log=log)
        self.world = World.choose(self.scale)
        self.adults = Identities(datetime.date(1945, 1, 1), 18_000, 0)
        # Children born 2004–2010 (at school in 2017); sequence ranges kept apart so no two people share an ID.
        self.children = Identities(datetime.date(2004, 1, 1), 2_500, 200)
        self.cadre_ids = Identities(datetime.date(1960, 1, 1), 12_000, 420)
        self.central: list[Party] = []
        self.central_pairings: dict = {}
        self.serial = 0

    # The registry -----------------------------------------------------------------------------------------
    def _households(self, persons: int, villages: list[str], status: str):
        """Households of SIZES in turn over `villages`, their members summing to exactly `persons`."""
        made = k = 0
        while made < persons:
            size = min(SIZES[k % len(SIZES)], persons - made)
            village = villages[k % len(villages)]
            k, made, self.serial = k + 1, made + size, self.serial + 1
            members = family(self.serial, size, village[:6], "汉族", self.adults, self.children)
            income = 4600 if status == "1" else 2600
            household = {"number": f"{village[6:]}{self.serial:08d}", "attribute": "一般贫困户",
                         "main_cause": ("缺技术", "因病", "缺资金", "缺劳力")[self.serial % 4], "identified_year": 2014,
                         "status": status, **({"exit_year": YEAR} if status == "1" else {})}
            yield Submission(village, household, members, YEAR, {"wage_income": str(income * size),
                                                                 "size_end": size, "status": status})

    def registry(self, progress=None) -> None:
        world = self.world
        deep_area = [v for c in world.deep for v in world.villages[c]] + [
            v for v in world.deep_villages if v[:6] not in world.deep]
        # The villages and counties that exit in the year keep no poor household, so their records show the exit.
        leaving = set(world.deep_villages) | set(world.exited_villages)
        others = [v for c in world.poor if c not in world.deep and c not in world.exited
                  for v in world.villages[c] if v not in leaving]
        anywhere = [v for c in world.counties if c not in world.deep for v in world.villages[c]
                    if v not in set(world.deep_villages)]
        poor = self.n("poor_persons")
        groups = [(self.n("deep_persons"), deep_area, "0"), (poor - self.n("deep_persons"), others, "0"),
                  (self.n("exited_persons"), anywhere, "1")]
        submissions = (s for persons, villages, status in groups for s in self._households(persons, villages, status))
        result = households_bulk_register(actor=self.actor, submissions=submissions, on_progress=progress)
        self.log(f"Shanxi registry: {result.households} households, {result.members} members.")
        self.rural = int((Decimal(poor) / SEED["incidence"]).quantize(Decimal(1), rounding=ROUND_HALF_UP))

    def designations(self) -> None:
        world = self.world
        rows = [(c, "poor_county", 2014, YEAR if c in world.exited else None) for c in world.poor]
        rows += [(c, "deep_poverty_county", YEAR, None) for c in world.deep]
        rows += [(v, "deep_poverty_village", YEAR, None) for v in world.deep_villages]
        rows += [(v, "poor_village", 2014, YEAR if v in set(world.exited_villages) else None)
                 for v in world.poor_villages]
        self.imported(designations_import, [["行政区划代码", "类型", "年度", "退出年度"]] + [
            [code.ljust(12, "0"), kind, year, exit_year or ""] for code, kind, year, exit_year in rows])

    def area_statistics(self) -> None:
        """The survey's rural income per head: the poor counties' grows by the seed's 10.7 % to 7,330 元, the
        province's 3.7 points less. Counties share the rural population (their weights)."""
        world, poor_before = self.world, (SEED["poor_area_income"] / (1 + SEED["poor_area_income_growth"])).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP)
        province_before = DEMO_CHOICES["province_rural_income_2016"]
        province_now = (province_before * (1 + SEED["poor_area_income_growth"] - SEED["growth_above_province"])
                        ).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        per_county = self.rural // len(world.counties)
        rows = [["行政区划代码", "年度", "乡村人口", "农村居民人均可支配收入"]]
        for year, poor_income, province_income in ((YEAR - 1, poor_before, province_before),
                                                   (YEAR, SEED["poor_area_income"], province_now)):
            rows.append([SHANXI, year, self.rural, province_income])
            rows += [[county.ljust(12, "0"), year, per_county, poor_income] for county in world.poor]
        # An exiting village's incidence needs its own rural population (its county's spread over its villages).
        rows += [[village, YEAR, max(1, per_county // len(world.villages[village[:6]])), ""]
                 for village in world.exited_villages]
        self.imported(population_import, rows)

    # Funds and projects -----------------------------------------------------------------------------------
    def _county(self, code: str) -> Area:
        return Area.objects.get(code=code.ljust(12, "0"))

    def _allocate(self, *, number: str, source: str, year: int, total: Decimal, share: Decimal, issuer) -> None:
        """One document whose allocations give `share` of it to the deep-poverty counties, the rest to the other
        poor counties."""
        world = self.world
        document = fund_document_save(actor=self.actor, data={
            "number": number, "title": number, "source": source, "year": year, "issuing_area": issuer,
            "total": total, "issued_on": datetime.date(year, 3, 1)})
        deep = (total * share).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        others = [c for c in world.poor if c not in world.deep]
        for counties, amount in ((world.deep, deep), (others, total - deep)):
            for county, part in zip(counties, split(amount, len(counties), Decimal("0.01")), strict=True):
                entry_save(actor=self.actor, data={"document": document, "kind": "allocate", "area": self._county(
                    county), "amount": part, "date": datetime.date(year, 3, 15)})

    def funds(self) -> None:
        shanxi, money = Area.objects.get(code=SHANXI), lambda key: money_at(DEMO_CHOICES[key], self.scale)
        for year, key, share in ((2017, "fiscal_total_2017", SEED["share_fiscal_2017"]),
                                 (2018, "fiscal_total_2018", SEED["share_fiscal_2018"])):
            # The central and the provincial document each give the share, so their group does too.
            central = (money(key) * 2 / 3).quantize(Decimal("0.01"))
            self._allocate(number=f"财农〔{year}〕1号", source="central_fiscal", year=year, total=central,
                           share=share, issuer=None)
            self._allocate(number=f"晋财农〔{year}〕1号", source="provincial_fiscal", year=year,
                           total=money(key) - central, share=share, issuer=shanxi)
        self._allocate(number="晋扶办〔2017〕周转金1号", source="revolving", year=2017, total=money("revolving_total"),
                       share=SEED["share_revolving_2017"], issuer=shanxi)
        relending = money("relending_total")
        deep_2017 = (relending * DEMO_CHOICES["share_relending_2017"]).quantize(Decimal("0.01"))
        self._allocate(number="太原中支〔2017〕再贷款1号", source="relending", year=2017, total=relending,
                       share=DEMO_CHOICES["share_relending_2017"], issuer=shanxi)
        # 2018: the deep counties' re-lending grows by the seed's 3 亿, the others' stays.
        deep_2018 = deep_2017 + money_at(SEED["relending_increase_2018"], self.scale)
        total_2018 = deep_2018 + relending - deep_2017
        self._allocate(number="太原中支〔2018〕再贷款1号", source="relending", year=2018, total=total_2018,
                       share=deep_2018 / total_2018, issuer=shanxi)

    def projects(self) -> None:
        world = self.world
        others = [c for c in world.poor if c not in world.deep]
        for kind in ("returning_farmland", "afforestation", "photovoltaic", "housing"):
            total = money_at(DEMO_CHOICES[f"scale_{kind}"], self.scale)
            deep = (total * SEED[f"share_{kind}"]).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
            for counties, amount in ((world.deep, deep), (others, total - deep)):
                for county, part in zip(counties, split(amount, len(counties), Decimal("0.01")), strict=True):
                    project_save(actor=self.actor, data={
                        "name": f"{YEAR}年{kind}", "type": kind, "area": self._county(county), "year": YEAR,
                        "planned_start": datetime.date(YEAR, 3, 1), "planned_end": datetime.date(YEAR, 11, 30),
                        "planned_scale": part})
        self.central_units()

    def central_units(self) -> None:
        """定点帮扶: central units paired with poor counties, the projects they brought in and whom they reached."""
        world = self.world
        located = Area.objects.filter(code=BEIJING).first() or Area.objects.get(code=SHANXI)
        self.central = [party_save(actor=self.actor, data={
            "kind": "central_unit", "name": f"中央定点帮扶单位{k + 1:02d}", "area": located})
            for k in range(self.n("central_units"))]
        counties = world.poor[:self.n("central_counties")]
        if not self.central or not counties:
            return
        self.central_pairings = {county: self._pair("designated", self.central[k % len(self.central)],
                                                    self._area_party(county))
                                 for k, county in enumerate(counties)}
        funds = split(money_at(SEED["central_funds"], self.scale), max(self.n("central_projects"), 1), Decimal("0.01"))
        by_county: dict[str, list] = {}
        fundings = []
        for k in range(self.n("central_projects")):
            county = counties[k % len(counties)]
            project = project_save(actor=self.actor, data={
                "name": f"定点帮扶产业项目{k + 1}", "type": "industry", "area": self._county(county), "year": YEAR,
                "helper": self.central[k % len(self.central)], "planned_start": datetime.date(YEAR, 4, 1),
                "planned_end": datetime.date(YEAR, 12, 31)})
            by_county.setdefault(county, []).append(project)
            fundings.append(ProjectFunding(project=project, source="paired_unit", planned=funds[k], actual=funds[k]))
        self.bulk(fundings_bulk_create, fundings)
        wanted, reached, rows = self.n("central_beneficiaries"), 0, []
        households = Household.objects.filter(county_code__in=list(by_county)).order_by("pk").values_list(
            "pk", "county_code", "years__size_end")
        for k, (household, county, size) in enumerate(households.iterator()):
            if reached >= wanted:
                break
            persons = min(size, wanted - reached)
            projects = by_county[county]
            rows.append(ProjectBeneficiary(project=projects[k % len(projects)], household_id=household,
                                           mechanism="dividends", amount=Decimal("500"), persons=persons))
            reached += persons
        self.bulk(beneficiaries_bulk_create, rows)

    def _area_party(self, code: str) -> Party:
        return party_for_area(actor=self.actor, area=Area.objects.get(code=code.ljust(12, "0")))

    def _pair(self, programme: str, helper: Party, helped: Party):
        return pairing_save(actor=self.actor, data={"programme": Programme.objects.get(code=programme),
                                                    "helper": helper, "helped": helped,
                                                    "start_date": datetime.date(2015, 1, 1)})

    def helpers(self) -> None:
        """帮扶力量重点集结: each deep county gets provincial units for its villages, a strong county, a university,
        a professional and a finance cadre (its provincial leader is a contact leader, see personnel)."""
        world = self.world
        shanxi = Area.objects.get(code=SHANXI)
        strong = [c for c in world.counties if c not in world.poor]
        per_county = DEMO_CHOICES["provincial_units_per_deep_county"]
        units = [party_save(actor=self.actor, data={"kind": "provincial_unit", "name": f"省直包村单位{k + 1:02d}",
                                                    "area": shanxi}) for k in range(per_county * len(world.deep))]
        for k, county in enumerate(world.deep):
            for j, village in enumerate(world.villages[county][:per_county]):
                self._pair("designated", units[k * per_county + j], self._area_party(village))
            self._pair("strong_weak_county", self._area_party(strong[k % len(strong)]), self._area_party(county))
            university = party_save(actor=self.actor, data={"kind": "university", "name": f"省内高校{k + 1:02d}",
                                                            "area": shanxi})
            self._pair("university", university, self._area_party(county))
            for kind, field in (("professional", "agriculture"), ("cadre", "finance")):
                record_save(actor=self.actor, kind="talent", data={
                    "person": f"挂职{county}{field}", "unit": "省直单位", "kind": kind, "field": field,
                    "direction": "to_helped", "area": Area.objects.get(code=county.ljust(12, "0")),
                    "start_date": datetime.date(YEAR, 3, 1)})

    def central_support(self) -> None:
        """What the central units put in besides projects: funds, training for their counties, jobs."""
        counties = list(self.central_pairings)
        document = fund_document_save(actor=self.actor, data={
            "number": f"定点帮扶〔{YEAR}〕1号", "title": "中央单位定点帮扶资金", "source": "paired_unit", "year": YEAR,
            "issuing_area": None, "total": money_at(SEED["central_invested"], self.scale),
            "issued_on": datetime.date(YEAR, 2, 1)})
        for county, part in zip(counties, split(document.total, len(counties), Decimal("0.01")), strict=True):
            entry_save(actor=self.actor, data={"document": document, "kind": "allocate", "area": self._county(county),
                                               "amount": part, "date": datetime.date(YEAR, 2, 15)})
        everyone = list(Member.objects.filter(household__area__code__startswith="14").order_by("pk").values_list(
            "pk", flat=True))
        workers = list(Member.objects.filter(household__county_code__in=counties, relation__in=("01", "02"))
                       .order_by("pk").values_list("pk", "household__area_id"))
        programmes = [TrainingProgramme(name=f"{unit.name}{YEAR}年实用技术培训", year=YEAR, kind="practical",
                                        area_id=counties[k % len(counties)].ljust(12, "0"), organiser=unit)
                      for k, unit in enumerate(self.central)]
        self.bulk(programmes_bulk_create, programmes)
        sizes = split(self.n("central_trained"), len(programmes), 1)
        self.bulk(trainees_bulk_create, [
            Trainee(programme=programme, member_id=everyone[(k * sizes[0] + j) % len(everyone)], completed=True)
            for k, (programme, size) in enumerate(zip(programmes, sizes, strict=True)) for j in range(size)])
        # Person-times: a worker placed again later in the year counts again (a small demo has few workers).
        jobs = self.n("central_jobs")
        transfers = [LabourTransfer(member_id=member, area_id=village, employer="定点帮扶单位对接企业",
                                    work_province="11",
                                    start_date=datetime.date(YEAR, 3 + (k // len(workers)) % 10, 1),
                                    pairing=self.central_pairings[village[:6]])
                     for k, (member, village) in ((k, workers[k % len(workers)]) for k in range(jobs))]
        others = Member.objects.filter(household__area__code__startswith="14", relation="01").exclude(
            household__county_code__in=counties).order_by("pk").values_list("pk", "household__area_id")
        transfers += [LabourTransfer(member_id=member, area_id=village, employer="省内用工企业", work_province="14",
                                     start_date=datetime.date(YEAR, 6, 1))
                      for member, village in others[:self.n("jobs") - jobs]]
        self.bulk(labour_bulk_create, transfers)

    # Assistance: ecological income, microloans, natural villages moved out ------------------------------------
    def _shanxi_households(self, order: str = "pk"):
        return Household.objects.filter(area__code__startswith="14", years__year=YEAR).order_by(order).values_list(
            "pk", "years__size_end")

    def assistance(self) -> None:
        on = datetime.date(YEAR, 6, 30)
        ecological, wanted, reached, rows = MeasureType.objects.get(code="ecological"), \
            self.n("ecological_persons"), 0, []
        for household, size in self._shanxi_households().iterator():
            if reached + size <= wanted:
                rows.append(DeliveredMeasure(household_id=household, measure_type=ecological, delivered_on=on,
                                             amount=Decimal("1000")))
                reached += size
            else:  # the last household: only as many of its members as the figure still needs
                for member in Member.objects.filter(household_id=household).order_by("pk")[:wanted - reached]:
                    rows.append(DeliveredMeasure(household_id=household, member=member, measure_type=ecological,
                                                 delivered_on=on, amount=Decimal("1000")))
                break
        self.bulk(delivered_bulk_create, rows)

        bank = party_save(actor=self.actor, data={"kind": "financial", "name": "山西省农村信用社",
                                                  "area": Area.objects.get(code=SHANXI)})
        count = self.n("loans_households")
        amounts = split(money_at(SEED["loans_amount"], self.scale), max(count, 1), Decimal("0.01"))
        borrowers = self._shanxi_households("-pk")[:count]
        self.bulk(loans_bulk_create, [
            Loan(household_id=household, bank=bank, amount=amount, issued_on=datetime.date(YEAR, 4, 1),
                 due_on=datetime.date(YEAR + 3, 4, 1), annual_rate=Decimal("4.35"))
            for (household, _size), amount in zip(borrowers, amounts, strict=False)])

        villages = [OriginVillage(name=f"自然村{k + 1:04d}", area_id=self.world.deep_villages[
            k % len(self.world.deep_villages)], deep_poverty=True, households=20, persons=60)
            for k in range(self.n("origin_villages"))]
        self.bulk(origin_villages_bulk_create, villages)
        steps = []
        for action, key, day, area_mu in (("started", "origin_started", datetime.date(YEAR, 3, 1), None),
                                          ("completed", "origin_completed", datetime.date(YEAR, 9, 30), None),
                                          ("demolished", "origin_reclaimed", datetime.date(YEAR, 10, 31), None),
                                          ("reclaimed", "origin_reclaimed", datetime.date(YEAR, 11, 30),
                                           Decimal("20"))):
            steps += [OriginAction(village=village, action=action, on=day, area_mu=area_mu)
                      for village in villages[:self.n(key)]]
        self.bulk(origin_actions_bulk_create, steps)

    # People at the front line ---------------------------------------------------------------------------------
    def _cadres(self, count: int, county: str, unit=None, unit_name: str = "") -> list[Cadre]:
        return [Cadre(area_id=county.ljust(12, "0"), name=SURNAMES[k % len(SURNAMES)] + "干部",
                      sex="1" if k % 2 == 0 else "2", id_number=self.cadre_ids.next("140105", k % 2 == 0),
                      unit=unit, unit_name=unit_name, party_member=True) for k in range(count)]

    def personnel(self) -> None:
        world, start = self.world, datetime.date(YEAR - 1, 1, 1)
        shanxi = Area.objects.get(code=SHANXI)
        provincial = [party_save(actor=self.actor, data={"kind": "provincial_unit", "name": f"省直帮扶单位{k + 1:02d}",
                                                         "area": shanxi}) for k in range(20)]
        in_poor = [v for c in world.poor for v in world.villages[c]]
        rest = [v for c in world.counties if c not in world.poor for v in world.villages[c]]
        villages = (in_poor + rest)[:self.n("work_teams")]
        teams = [WorkTeam(village_id=village, unit=provincial[k % len(provincial)], dispatch_level="province",
                          start_date=start) for k, village in enumerate(villages)]
        self.bulk(teams_bulk_create, teams)

        captains = [c for team in teams for c in self._cadres(1, team.village_id[:6], unit=team.unit)]
        central_counties = set(world.poor[:self.n("central_counties")])
        seconded = [k for k, team in enumerate(teams) if team.village_id[:6] in central_counties]
        for k, index in enumerate(seconded[:self.n("central_cadres")] if self.central else []):
            captains[index].unit = self.central[k % len(self.central)]
        secretaries = [c for team in teams[:self.n("first_secretaries")]
                       for c in self._cadres(1, team.village_id[:6], unit_name="派出单位")]
        members_left = self.n("team_members") - len(captains) - len(secretaries)
        members = [c for k in range(max(members_left, 0))
                   for c in self._cadres(1, teams[k % len(teams)].village_id[:6], unit_name="县直单位")]
        self.bulk(cadres_bulk_create, captains + secretaries + members)

        poor_counties = set(world.poor)
        in_poor_counties = [k for k in range(len(secretaries)) if teams[k].village_id[:6] in poor_counties]
        from_above = set(in_poor_counties[:int((len(in_poor_counties) * DEMO_CHOICES["first_secretary_share"]
                                                ).quantize(Decimal(1), rounding=ROUND_HALF_UP))])
        rows = [TeamMembership(team=team, cadre=captains[k], role="captain", dispatch_level="province",
                               start_date=start) for k, team in enumerate(teams)]
        rows += [TeamMembership(team=teams[k], cadre=cadre, role="first_secretary", start_date=start,
                                dispatch_level=("province", "prefecture")[k % 2] if k in from_above else "county")
                 for k, cadre in enumerate(secretaries)]
        rows += [TeamMembership(team=teams[k % len(teams)], cadre=cadre, role="member", dispatch_level="county",
                                start_date=start) for k, cadre in enumerate(members)]
        self.bulk(memberships_bulk_create, rows)

        leaders = self._cadres(self.n("contact_leaders"), "140000", unit_name="党政机关")
        self.bulk(cadres_bulk_create, leaders)
        areas = [c.ljust(12, "0") for c in world.deep] + (world.poor_villages + world.deep_villages + villages)
        self.bulk(contacts_bulk_create, [
            ContactLeader(cadre=leader, level="province" if k < len(world.deep) else "county",
                          area_id=areas[k % len(areas)], start_date=start) for k, leader in enumerate(leaders)])
        self.training()

    def training(self) -> None:
        prefectures = sorted({c[:4] for c in self.world.counties})
        budgets = split(money_at(SEED["training_budget"], self.scale), len(prefectures), Decimal("0.01"))
        programmes = [TrainingProgramme(name=f"{YEAR}年贫困劳动力免费职业培训", year=YEAR, kind="vocational",
                                        area_id=prefecture.ljust(12, "0"), budget=budget)
                      for prefecture, budget in zip(prefectures, budgets, strict=True)]
        self.bulk(programmes_bulk_create, programmes)
        by_prefecture = {p.area_id[:4]: p for p in programmes}
        heads = Member.objects.filter(household__area__code__startswith="14", relation="01").order_by("pk")
        self.bulk(trainees_bulk_create, [Trainee(programme=by_prefecture[area[:4]], member_id=member, completed=True)
                             for member, area in heads.values_list("pk", "household__area_id")[:self.n("trained")]])

    def run(self, progress=None) -> None:
        if Household.objects.filter(area__code__startswith="14").exists():
            self.log("The Shanxi demo is already loaded.")
            return
        with self.history():
            self.registry(progress)
            with transaction.atomic():
                self.designations()
                self.area_statistics()
                self.funds()
                self.projects()
                self.assistance()
                self.personnel()
                self.helpers()
                self.central_support()
