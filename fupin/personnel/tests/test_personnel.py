"""Work teams in four villages of 怒江州 over 2016–2019, hand-timed so rotation gaps, attendance and every report
figure have values worked out by hand; plus cadres, training and appraisal rules."""

import datetime
from decimal import Decimal

import pytest

from fupin.areas.models import Area, AreaDesignation, DesignationType
from fupin.cooperation.services import party_save
from fupin.core.errors import PermissionDenied, ValidationFailed
from fupin.personnel import report, selectors, services
from fupin.personnel.models import Cadre
from fupin.rules.models import PolicyParameter
from fupin.testing.factories import add_area, id_number, load_fixture_divisions, make_user, register_poor_household
from fupin.testing.factories import system_user as system

pytestmark = pytest.mark.django_db
D = datetime.date
NUJIANG, LUSHUI, FUGONG = "533300000000", "533301000000", "533323000000"
SHUANGKUIDI, LUZHANG, SANHE, LAZHUDI = "533301001201", "533301102201", "533301102202", "533323101201"
DONGGUAN = "441900000000"


def area(code):
    return Area.objects.get(code=code)


def _party(kind, name, code):
    return party_save(actor=system(), data={"kind": kind, "name": name, "area": area(code)})


_sequence = iter(range(101, 999, 2))


def cadre(name, unit=None, **extra):
    data = {"area": area(LUSHUI), "name": name, "id_number": id_number("533301", "19800101",
                                                                       f"{next(_sequence):03d}"),
            "unit": unit, "unit_name": "" if unit else "泸水市农业农村局", **extra}
    return services.cadre_save(actor=system(), data=data)


def team(village, unit, start, end=None, level="county"):
    return services.team_save(actor=system(), data={"village": area(village), "unit": unit, "dispatch_level": level,
                                                    "start_date": start, "end_date": end})


def member(team_, cadre_, role="member", start=None, end=None, level=""):
    return services.membership_save(actor=system(), data={
        "team": team_, "cadre": cadre_, "role": role, "start_date": start or team_.start_date, "end_date": end,
        "dispatch_level": level})


def contact(cadre_, code, level, start, end=None):
    return services.contact_save(actor=system(), data={"cadre": cadre_, "area": area(code), "level": level,
                                                       "start_date": start, "end_date": end})


@pytest.fixture
def world():
    load_fixture_divisions()
    add_area("110000000000", "北京市")
    add_area("530000000000", "云南省")
    units = {
        "abc": _party("central_unit", "中国农业银行", "110000000000"),
        "caac": _party("central_unit", "中国民用航空局", "110000000000"),
        "province": _party("provincial_unit", "云南省农业农村厅", "530000000000"),
        "county": _party("local_unit", "泸水市卫生健康局", LUSHUI),
    }
    poor_county = DesignationType.objects.get(code="poor_county")
    AreaDesignation.objects.create(area=area(FUGONG), designation_type=poor_county, year=2014)
    AreaDesignation.objects.create(area=area(LUSHUI), designation_type=poor_county, year=2014, exit_year=2018)
    c = {name: cadre(name) for name in ("c1", "c2", "c3", "c4", "cap1", "m2", "l1", "l2")}
    c["m1"] = cadre("m1", unit=units["abc"])
    c["l3"] = cadre("l3", unit=units["caac"])
    t = {
        # 鲁掌: A hands over to B the next day (no gap); its first secretary arrives 9 days after A's left.
        "A": team(LUZHANG, units["county"], D(2016, 1, 1), D(2018, 3, 31)),
        "B": team(LUZHANG, units["province"], D(2018, 4, 1), level="province"),
        # 三河: C ends 03-31, D starts 04-03 (gap 04-01..04-02), D ends 10-31 and nobody follows.
        "C": team(SANHE, units["county"], D(2017, 1, 1), D(2018, 3, 31)),
        "D": team(SANHE, units["county"], D(2018, 4, 3), D(2018, 10, 31)),
        "E": team(SHUANGKUIDI, units["county"], D(2018, 5, 1)),
        "F": team(LAZHUDI, units["province"], D(2017, 1, 1), level="province"),
    }
    m = {
        "fs1": member(t["A"], c["c1"], "first_secretary"),
        "fs2": member(t["B"], c["c2"], "first_secretary", start=D(2018, 4, 10), level="prefecture"),
        "m1": member(t["B"], c["m1"]),
        "cap1": member(t["B"], c["cap1"], "captain"),
        "fs4": member(t["E"], c["c4"], "first_secretary"),
        "cap4": member(t["E"], c["c4"], "captain"),  # the first secretary also captains the team
        "fs3": member(t["F"], c["c3"], "first_secretary"),
        "m2": member(t["F"], c["m2"], end=D(2018, 6, 30)),
    }
    contact(c["l1"], LUZHANG, "county", D(2017, 1, 1))
    contact(c["l1"], SANHE, "county", D(2017, 1, 1))
    contact(c["l2"], LUSHUI, "prefecture", D(2018, 1, 1), D(2018, 6, 30))
    contact(c["l3"], FUGONG, "county", D(2018, 1, 1))
    return units, c, t, m


# Rotation gaps ------------------------------------------------------------------------------------------------
def test_coverage_gaps_are_day_precise():
    gaps = selectors.coverage_gaps
    handover = [(D(2018, 1, 1), D(2018, 3, 31)), (D(2018, 4, 1), None)]
    assert gaps(handover, D(2018, 1, 1), D(2018, 12, 31)) == []
    late = [(D(2018, 1, 1), D(2018, 3, 31)), (D(2018, 4, 3), None)]
    assert gaps(late, D(2018, 1, 1), D(2018, 12, 31)) == [{"from": D(2018, 4, 1), "to": D(2018, 4, 2), "days": 2}]
    # Before the first team there was nothing to rotate; after the last one ended, every day is a gap.
    assert gaps([(D(2018, 5, 1), D(2018, 5, 31))], D(2018, 1, 1), D(2018, 6, 30)) == [
        {"from": D(2018, 6, 1), "to": D(2018, 6, 30), "days": 30}]
    # A gap straddling the window is cut at its edges; nested terms cover nothing more.
    assert gaps([(D(2017, 1, 1), D(2018, 12, 31)), (D(2017, 6, 1), D(2017, 7, 1)), (D(2019, 2, 1), None)],
                D(2018, 6, 1), D(2019, 1, 15)) == [{"from": D(2019, 1, 1), "to": D(2019, 1, 15), "days": 15}]
    assert gaps([], D(2018, 1, 1), D(2018, 12, 31)) == []


def test_rotation_gaps(world):
    rows = {row["village"]: row for row in selectors.rotation_gaps(actor=system(), area_code="5333",
                                                                    start=D(2018, 1, 1), end=D(2018, 12, 31))}
    assert list(rows) == [SHUANGKUIDI, LUZHANG, SANHE, LAZHUDI]
    assert rows[LUZHANG]["team_gaps"] == []
    assert rows[LUZHANG]["first_secretary_gaps"] == [{"from": D(2018, 4, 1), "to": D(2018, 4, 9), "days": 9}]
    assert rows[SANHE]["team_gaps"] == [{"from": D(2018, 4, 1), "to": D(2018, 4, 2), "days": 2},
                                        {"from": D(2018, 11, 1), "to": D(2018, 12, 31), "days": 61}]
    assert rows[SANHE]["first_secretary_gaps"] == []
    assert rows[SHUANGKUIDI] == {"village": SHUANGKUIDI, "name": "双奎地村委会", "team_gaps": [],
                                 "first_secretary_gaps": []}
    one = selectors.rotation_gaps(actor=system(), area_code=SANHE, start=D(2018, 4, 1), end=D(2018, 4, 30))
    assert [row["team_gaps"] for row in one] == [[{"from": D(2018, 4, 1), "to": D(2018, 4, 2), "days": 2}]]


def test_overlapping_teams_are_refused(world):
    units, _c, t, _m = world
    with pytest.raises(ValidationFailed) as refused:
        team(LUZHANG, units["abc"], D(2018, 6, 1))
    assert refused.value.field == "start_date"
    with pytest.raises(ValidationFailed):
        team(SANHE, units["abc"], D(2018, 3, 31), D(2018, 4, 2))  # shares 03-31 with C
    with pytest.raises(ValidationFailed):
        team(SANHE, units["abc"], D(2016, 1, 1))  # open, so it runs into C
    follower = team(SANHE, units["abc"], D(2018, 11, 1))  # the day after D ends
    assert follower.pk
    with pytest.raises(ValidationFailed):  # lengthening D now runs into its follower
        services.team_save(actor=system(), instance=t["D"], data={"end_date": D(2018, 11, 1)})
    with pytest.raises(ValidationFailed):
        team(LUSHUI, units["abc"], D(2019, 1, 1))  # a county is no village


def test_membership_rules(world):
    _units, c, t, m = world
    newcomer = cadre("新队员")
    with pytest.raises(ValidationFailed):  # before team B started
        member(t["B"], newcomer, start=D(2018, 3, 1))
    with pytest.raises(ValidationFailed):  # after team D ended
        member(t["D"], newcomer, start=D(2018, 10, 1), end=D(2018, 11, 30))
    with pytest.raises(ValidationFailed) as second_captain:
        member(t["B"], newcomer, "captain", start=D(2019, 1, 1))
    assert second_captain.value.field == "role"
    with pytest.raises(ValidationFailed):  # c3 serves in team F in 腊竹底 already
        member(t["B"], c["c3"], start=D(2018, 5, 1))
    # Captains one after the other are fine: cap1 leaves 2018-12-31, the newcomer captains from 2019.
    services.membership_save(actor=system(), instance=m["cap1"], data={"end_date": D(2018, 12, 31)})
    assert member(t["B"], newcomer, "captain", start=D(2019, 1, 1)).pk
    with pytest.raises(ValidationFailed):  # the team cannot start after its members did
        services.team_save(actor=system(), instance=t["B"], data={"start_date": D(2018, 4, 5)})
    with pytest.raises(ValidationFailed):
        member(t["B"], c["m1"], "bogus")


# Cadres ---------------------------------------------------------------------------------------------------------
def test_a_poor_person_cannot_be_a_cadre(world):
    _units, _c, t, _m = world
    poor = register_poor_household(area=LUZHANG, size=1, status="0").members.get()
    with pytest.raises(ValidationFailed) as refused:
        cadre("贫困户", id_number=poor.id_number)
    assert refused.value.field == "id_number"
    exited = register_poor_household(area=SANHE, size=1, status="1").members.get()
    assert cadre("脱贫户", id_number=exited.id_number).pk  # out of poverty: may serve
    # Registered poor after becoming a cadre: refused at the next assignment.
    later = cadre("后来")
    register_poor_household(area=SANHE, size=1, status="0").members.update(id_number=later.id_number)
    with pytest.raises(ValidationFailed) as assignment:
        member(t["E"], later, start=D(2018, 6, 1))
    assert assignment.value.field == "cadre"
    with pytest.raises(ValidationFailed):
        contact(later, SANHE, "township", D(2019, 1, 1))


def test_cadre_validation(world):
    _units, c, _t, _m = world
    with pytest.raises(ValidationFailed) as invalid:
        cadre("无效", id_number="533301198001010000")  # wrong check digit
    assert invalid.value.field == "id_number"
    with pytest.raises(ValidationFailed) as twice:
        cadre("重复", id_number=c["c1"].id_number)
    assert twice.value.field == "id_number"
    with pytest.raises(ValidationFailed) as wrong_sex:
        cadre("性别", id_number=id_number("533301", "19700101", "201"), sex="2")  # odd sequence: male
    assert wrong_sex.value.field == "sex"
    with pytest.raises(ValidationFailed) as no_unit:
        services.cadre_save(actor=system(), data={"area": area(LUSHUI), "name": "无单位",
                                                  "id_number": id_number("533301", "19700101", "203")})
    assert no_unit.value.field == "unit"
    fifteen = services.cadre_save(actor=system(), data={"area": area(LUSHUI), "name": "旧证", "unit_name": "某局",
                                                        "id_number": "533301700101205"})
    assert len(fifteen.id_number) == 18 and fifteen.sex == "1"


# Attendance -----------------------------------------------------------------------------------------------------
def _check_ins(membership, days):
    for day in days:
        services.check_in_save(actor=system(), data={"membership": membership, "day": day})


def test_attendance(world):
    _units, _c, t, m = world
    june = [D(2018, 6, day) for day in range(1, 31)]
    _check_ins(m["cap1"], june[:20])
    _check_ins(m["m1"], june[:19])
    late = member(t["B"], cadre("六月中到"), start=D(2018, 6, 16))
    _check_ins(late, june[15:25])
    _check_ins(m["fs2"], june[:5])
    _check_ins(m["fs4"], june[:12])
    _check_ins(m["cap4"], june[10:22])  # two roles, one person: days 1–22 = 22 distinct days
    _check_ins(m["m2"], june[:29])

    def table(**where):
        return {row["name"]: (row["days"], row["required"], row["below"], row["days_served"])
                for row in selectors.attendance(actor=system(), year=2018, month=6, **where)}

    # Without the parameter (the national 20 taken away here): no requirement, nobody below.
    PolicyParameter.objects.filter(code="team_attendance_days_min").delete()
    assert table(team=t["B"]) == {"cap1": (20, None, False, 30), "m1": (19, None, False, 30),
                                  "六月中到": (10, None, False, 15), "c2": (5, None, False, 30)}
    PolicyParameter.objects.create(code="team_attendance_days_min", effective_year=2018, province_code="53",
                                   value=Decimal("20"))
    assert table(team=t["B"]) == {"cap1": (20, 20, False, 30), "m1": (19, 20, True, 30),
                                  "六月中到": (10, 10, False, 15), "c2": (5, 20, True, 30)}
    whole = table(area_code="5333")
    assert whole["c4"] == (22, 20, False, 30)
    assert whole["m2"] == (29, 20, False, 30)
    assert len(whole) == 7  # B's four, E's one person (two roles), F's two
    assert whole["c3"] == (0, 20, True, 30)  # serving, never checked in
    # July: m2 left on 06-30, so F lists c3 only.
    july = {row["name"] for row in selectors.attendance(actor=system(), year=2018, month=7, team=t["F"])}
    assert july == {"c3"}


def test_check_in_rules(world):
    _units, _c, _t, m = world
    save = services.check_in_save
    save(actor=system(), data={"membership": m["fs2"], "day": D(2018, 5, 2), "latitude": "25.97",
                               "longitude": "98.82"})
    with pytest.raises(ValidationFailed):  # once a day
        save(actor=system(), data={"membership": m["fs2"], "day": D(2018, 5, 2)})
    with pytest.raises(ValidationFailed):  # before the term
        save(actor=system(), data={"membership": m["fs2"], "day": D(2018, 4, 9)})
    with pytest.raises(ValidationFailed):  # after m2 left
        save(actor=system(), data={"membership": m["m2"], "day": D(2018, 7, 1)})
    with pytest.raises(ValidationFailed):
        save(actor=system(), data={"membership": m["fs2"], "day": D(2018, 5, 3), "latitude": "25.97"})
    with pytest.raises(ValidationFailed):
        save(actor=system(), data={"membership": m["fs2"], "day": D(2018, 5, 3), "latitude": "95",
                                   "longitude": "98"})
    with pytest.raises(ValidationFailed):
        save(actor=system(), data={"membership": m["fs2"], "day": D(2018, 5, 3)}, today=D(2018, 5, 2))
    _check_ins(m["m2"], [D(2018, 6, 30)])
    with pytest.raises(ValidationFailed):  # m2's term cannot shrink away from a check-in
        services.membership_save(actor=system(), instance=m["m2"], data={"end_date": D(2018, 6, 29)})


# Appraisal ------------------------------------------------------------------------------------------------------
INDICATORS = [{"code": "work", "zh": "驻村工作", "en": "village work", "weight": 40},
              {"code": "results", "zh": "帮扶成效", "en": "results", "weight": 35},
              {"code": "discipline", "zh": "纪律作风", "en": "discipline", "weight": 25}]


def _scheme(kind="team", indicators=INDICATORS, **extra):
    return services.scheme_save(actor=system(), data={"name": "2018年驻村工作队考核", "year": 2018,
                                                      "subject_kind": kind, "area": area(NUJIANG),
                                                      "indicators": indicators, **extra})


def test_appraisal_totals_and_grades(world):
    units, c, t, _m = world
    scheme = _scheme()
    assert [g["code"] for g in scheme.grades] == ["excellent", "good", "pass", "fail"]

    def score(subject, work, results, discipline, **subjects):
        saved = services.score_save(actor=system(), data={"scheme": scheme, **subjects, "scores": {
            "work": work, "results": results, "discipline": discipline}})
        return saved.total, saved.grade

    assert score("B", 95, 88, 90, team=t["B"]) == (Decimal("91.30"), "excellent")  # 38 + 30.8 + 22.5
    assert score("E", 80, 80, 80, team=t["E"]) == (Decimal("80.00"), "good")  # on the threshold
    assert score("F", 80, 70, 60, team=t["F"]) == (Decimal("71.50"), "pass")  # 32 + 24.5 + 15
    assert score("A", 50, 60, 40, team=t["A"]) == (Decimal("51.00"), "fail")  # 20 + 21 + 10
    assert score("D", 59.99, 60, 60, team=t["D"]) == (Decimal("60.00"), "pass")  # 23.996 + 21 + 15 rounds up
    with pytest.raises(ValidationFailed):  # scored twice
        score("B", 1, 1, 1, team=t["B"])
    with pytest.raises(ValidationFailed):  # a unit under a team scheme
        score("x", 90, 90, 90, unit=units["abc"])
    with pytest.raises(ValidationFailed):  # two subjects
        score("x", 90, 90, 90, team=t["C"], cadre=c["c1"])
    with pytest.raises(ValidationFailed):
        score("C", 101, 90, 90, team=t["C"])
    with pytest.raises(ValidationFailed):
        services.score_save(actor=system(), data={"scheme": scheme, "team": t["C"], "scores": {"work": 90}})
    with pytest.raises(ValidationFailed):  # scored schemes keep their weights
        services.scheme_save(actor=system(), instance=scheme, data={"indicators": [
            {**INDICATORS[0], "weight": 50}, {**INDICATORS[1], "weight": 25}, INDICATORS[2]]})
    unit_scheme = _scheme("unit", grades=[{"code": "a", "zh": "好", "en": "good", "min": 75},
                                          {"code": "b", "zh": "差", "en": "poor", "min": 0}])
    saved = services.score_save(actor=system(), data={"scheme": unit_scheme, "unit": units["abc"], "scores": {
        "work": 75, "results": 75, "discipline": 75}})
    assert (saved.total, saved.grade) == (Decimal("75.00"), "a")


def test_weights_must_sum_to_100(world):
    with pytest.raises(ValidationFailed) as refused:
        _scheme(indicators=[{**INDICATORS[0], "weight": 40}, {**INDICATORS[1], "weight": 35},
                            {**INDICATORS[2], "weight": 24}])
    assert "99" in str(refused.value)
    with pytest.raises(ValidationFailed):
        _scheme(indicators=[{**INDICATORS[0], "weight": 100}, {**INDICATORS[1], "weight": 0}])
    with pytest.raises(ValidationFailed):  # a code twice
        _scheme(indicators=[{**INDICATORS[0], "weight": 50}, {**INDICATORS[0], "weight": 50}])
    with pytest.raises(ValidationFailed):  # no grade from 0
        _scheme(grades=[{"code": "a", "zh": "好", "en": "good", "min": 60}])
    fractional = _scheme(indicators=[{**INDICATORS[0], "weight": 33.5}, {**INDICATORS[1], "weight": 33.5},
                                     {**INDICATORS[2], "weight": 33}])
    assert [row["weight"] for row in fractional.indicators] == [33.5, 33.5, 33]


# Training -------------------------------------------------------------------------------------------------------
def _programme(name, year, code, kind, budget):
    return services.programme_save(actor=system(), data={"name": name, "year": year, "area": area(code),
                                                         "kind": kind, "budget": Decimal(budget)})


def _trainee(programme, **data):
    return services.trainee_save(actor=system(), data={"programme": programme, **data})


@pytest.fixture
def training(world):
    _units, c, _t, _m = world
    a, b, d = (register_poor_household(area=LUZHANG, size=1).members.get() for _ in range(3))
    vocational = _programme("电商培训", 2018, LUSHUI, "vocational", "100000")
    practical = _programme("种植技术", 2018, NUJIANG, "practical", "50000")
    earlier = _programme("养殖技术", 2017, LUSHUI, "practical", "30000")
    _trainee(vocational, member=a, completed=True, moved_into_job=True, job_date=D(2018, 9, 1))
    _trainee(practical, member=a, completed=True)
    _trainee(vocational, member=b, completed=False, moved_into_job=True)  # dropped out: not counted
    _trainee(practical, cadre=c["c1"], completed=True)
    _trainee(earlier, member=d, completed=True)
    return a, vocational


def test_training_counts_persons_and_person_times(training):
    a, vocational = training
    values = values_of(report.personnel_figures(actor=system(), area_code="5333", year=2018))
    assert values["trained_persons"] == 2  # a (twice) and the cadre
    assert values["training_person_times"] == 3
    assert values["training_budget"] == Decimal("150000")
    assert values["trained_moved_into_jobs"] == 1
    assert values["trained_persons_by_kind"] == {"practical": 2, "vocational": 1}
    county = values_of(report.personnel_figures(actor=system(), area_code="533301", year=2018))
    assert (county["trained_persons"], county["training_person_times"], county["training_budget"]) == (
        1, 1, Decimal("100000"))
    with pytest.raises(ValidationFailed):
        _trainee(vocational, member=a)
    with pytest.raises(ValidationFailed):
        _trainee(vocational)
    with pytest.raises(ValidationFailed):
        _trainee(vocational, member=a.household.members.get(), cadre=Cadre.objects.first())
    with pytest.raises(ValidationFailed):
        _programme("负预算", 2018, LUSHUI, "vocational", "-1")


# Report ---------------------------------------------------------------------------------------------------------
def values_of(items):
    return {item["key"]: item["value"] for item in items}


def test_personnel_figures(world):
    values = values_of(report.personnel_figures(actor=system(), area_code="5333", year=2018))
    assert values["contact_leaders"] == 2  # l1 (two villages) and l3; l2's contact ended in June
    assert values["work_teams"] == 3  # B, E, F; A, C and D have ended
    assert values["team_members"] == 5  # c2, m1, cap1 in B; c4 (two roles) in E; c3 in F (m2 left)
    assert values["first_secretaries"] == 3  # c2, c4, c3
    # Poor counties in 2018: 福贡 and 泸水 (exits in 2018); first secretaries c2 (prefecture), c4 (county),
    # c3 (province, team F's level).
    assert values["first_secretary_province_city_share_in_poor_counties"] == 2 / 3
    assert values["central_unit_seconded_cadres"] == 2  # m1 (农行, team B) and l3 (民航局, contacting 福贡)
    assert values["central_units_seconding"] == 2
    assert (values["trained_persons"], values["training_person_times"], values["training_budget"]) == (
        0, 0, Decimal(0))
    # 2019: 泸水 is no longer a poor county, so only c3 in 福贡 counts (dispatched by the province).
    later = values_of(report.personnel_figures(actor=system(), area_code="5333", year=2019))
    assert later["first_secretary_province_city_share_in_poor_counties"] == 1.0
    county = values_of(report.personnel_figures(actor=system(), area_code="533301", year=2018))
    assert (county["contact_leaders"], county["work_teams"], county["team_members"], county["first_secretaries"],
            county["central_unit_seconded_cadres"]) == (1, 2, 4, 2, 1)
    assert values_of(report.personnel_figures(actor=system(), area_code="533323", year=2016))[
        "first_secretary_province_city_share_in_poor_counties"] is None
    card = report.personnel_figures(actor=system(), area_code="5333", year=2018)
    assert card[0]["how"] == {"source": "personnel.contactleader", "filters": {
        "area": NUJIANG, "year": 2018, "serving_on": D(2018, 12, 31), "distinct": "cadre"}}


# Permission -----------------------------------------------------------------------------------------------------
def test_another_areas_user_can_neither_read_nor_write(world):
    units, c, t, m = world
    outsider = make_user(actions=["view", "change", "view_sensitive"], area=DONGGUAN)
    assert not selectors.team_list(actor=outsider).exists()
    assert not selectors.membership_list(actor=outsider).exists()
    assert not selectors.cadre_list(actor=outsider).exists()
    assert not selectors.contact_list(actor=outsider).exists()
    for read in (lambda: selectors.rotation_gaps(actor=outsider, area_code="5333", start=D(2018, 1, 1),
                                                 end=D(2018, 12, 31)),
                 lambda: selectors.attendance(actor=outsider, team=t["B"], year=2018, month=6),
                 lambda: report.personnel_figures(actor=outsider, area_code="5333", year=2018)):
        with pytest.raises(PermissionDenied):
            read()
    writes = [
        lambda: services.team_save(actor=outsider, data={"village": area(SANHE), "unit": units["abc"],
                                                         "dispatch_level": "central", "start_date": D(2019, 1, 1)}),
        lambda: services.team_save(actor=outsider, instance=t["B"], data={"note": "x"}),
        lambda: services.membership_save(actor=outsider, instance=m["m1"], data={"role": "captain"}),
        lambda: services.cadre_save(actor=outsider, instance=c["c1"], data={"position": "x"}),
        lambda: services.check_in_save(actor=outsider, data={"membership": m["m1"], "day": D(2018, 6, 1)}),
        lambda: services.contact_save(actor=outsider, data={"cadre": c["l1"], "area": area(SANHE),
                                                            "level": "county", "start_date": D(2019, 1, 1)}),
        # A cadre record kept in 泸水 is 泸水's to create.
        lambda: services.cadre_save(actor=outsider, data={"area": area(LUSHUI), "name": "外人", "unit_name": "某局",
                                                          "id_number": id_number("441900", "19800101", "301")}),
    ]
    for write in writes:
        with pytest.raises(PermissionDenied):
            write()
    # Serving in a 泸水 village makes a cadre kept in 东莞 visible in 泸水 — and a 泸水 viewer sees only that one.
    add_area("441900003001", "东泰社区居委会")
    dongguan_cadre = services.cadre_save(actor=system(), data={
        "area": area("441900003001"), "name": "东莞干部", "unit_name": "东莞市", "id_number": id_number(
            "441900", "19800101", "303")})
    member(t["B"], dongguan_cadre, start=D(2019, 1, 1))
    lushui_viewer = make_user(actions=["view"], area=LUSHUI)
    assert dongguan_cadre in selectors.cadre_list(actor=lushui_viewer)
    assert list(selectors.cadre_list(actor=outsider)) == [dongguan_cadre]
