"""The county's other work of the year: the work team of each village of the demo township with its daily check-ins
and a rotation (队员轮换), the year's appraisal of the teams, the county's projects of the year moving through their
stages with their documents (small generated PDFs; some stages late), a quality scan whose findings are partly
explained and accepted, and the monitoring warnings of the households out of poverty with their visit tasks."""

import datetime
from decimal import Decimal

from django.core.files.base import ContentFile

from fupin.accounts.models import User
from fupin.areas.models import Area
from fupin.assistance.models import Relocation, RelocationSite
from fupin.assistance.services import record_save as assistance_record_save
from fupin.cooperation.services import party_for_area
from fupin.core.areacodes import Level
from fupin.monitoring.models import Disaster, VisitTask
from fupin.monitoring.services import disaster_record, task_assign, task_complete, warnings_run
from fupin.personnel.models import AppraisalScheme, Cadre, WorkTeam
from fupin.personnel.services import check_in_save, membership_save, scheme_save, score_save, team_save
from fupin.projects.codelists import STAGE_ORDER, required_documents
from fupin.projects.models import Project
from fupin.projects.services import document_save, project_save, stage_complete
from fupin.quality.models import Finding
from fupin.quality.services import finding_accept, finding_explain, scan_run
from fupin.registry.models import HouseholdYear

from .workyear_common import county_area, county_households, demo_places, working_days
from .workyear_people import cadres

RELOCATED = 4  # households of the demo township settled at its new site this year
TEAM_SIZE = 3  # captain, first secretary, one member
CHECK_IN_DAYS = 20  # the last working days each member checked in
PROJECTS = (("industry", "{village}高原特色产业（草果）种植项目"), ("infrastructure", "{village}通组道路硬化项目"),
            ("industry", "{village}中蜂养殖合作社项目"), ("infrastructure", "{village}人饮安全巩固提升工程"),
            ("training", "{village}劳动力转移就业技能培训"))
EXPLANATION = "经入户核实，该户情况属实，数据无误（户籍与实际居住情况已说明）。"


def pdf(title: str, number: str) -> bytes:
    """A one-page PDF naming the document (ASCII text: the demo's generated scans stand in for the real ones)."""
    text = f"BT /F1 14 Tf 72 760 Td ({title}) Tj 0 -24 Td (No. {number}) Tj ET".encode("ascii")
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
               b"/Resources << /Font << /F1 5 0 R >> >> >>",
               b"<< /Length %d >>\nstream\n" % len(text) + text + b"\nendstream",
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for k, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % k + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def teams(actor, county_code: str, rng, start: datetime.date, now: datetime.date) -> dict:
    """A team per village of the demo township, sent by the county a year ago; each member's last working days'
    check-ins; in every team the member was rotated out half-way through and a new one came in."""
    township, _village = demo_places(county_code)
    county = county_area(county_code)
    unit = party_for_area(actor=actor, area=county)
    villages = list(Area.objects.filter(code__startswith=township[:9], level=Level.VILLAGE).order_by("code"))
    made = {"teams": 0, "team_members": 0, "check_ins": 0}
    # The teams' own cadres (not the households' responsible cadres): the county's next ones.
    need = len(villages) * (TEAM_SIZE + 1)
    team_cadres = cadres(actor=actor, county_code=county_code, rng=rng,
                         count=Cadre.objects.filter(area=county).count() + need)[-need:]
    rotation = start + datetime.timedelta(days=182)
    for k, village in enumerate(villages):
        team = team_save(actor=actor, data={"village": village, "unit": unit, "dispatch_level": "county",
                                            "start_date": start, "note": "县派驻村工作队"})
        made["teams"] += 1
        crew = team_cadres[k * (TEAM_SIZE + 1):(k + 1) * (TEAM_SIZE + 1)]
        roles = [("captain", None), ("first_secretary", None), ("member", rotation)]
        memberships = [membership_save(actor=actor, data={"team": team, "cadre": cadre, "role": role,
                                                          "dispatch_level": "county", "start_date": start,
                                                          "end_date": end})
                       for cadre, (role, end) in zip(crew, roles, strict=False)]
        # The rotation: the member leaves half-way through the year and a colleague takes the place.
        memberships.append(membership_save(actor=actor, data={
            "team": team, "cadre": crew[TEAM_SIZE], "role": "member", "dispatch_level": "county",
            "start_date": rotation + datetime.timedelta(days=1)}))
        made["team_members"] += len(memberships)
        for membership in memberships:
            last = membership.end_date or now
            for day in range(CHECK_IN_DAYS):
                on = last - datetime.timedelta(days=day + day // 5 * 2)  # working days, weekends off
                if on >= membership.start_date and (day + k) % 9:  # a missed day now and then
                    check_in_save(actor=actor, data={"membership": membership, "day": on,
                                                     "latitude": Decimal("25.85") + Decimal(k) / 100,
                                                     "longitude": Decimal("98.85") + Decimal(day) / 1000})
                    made["check_ins"] += 1
    scheme = scheme_save(actor=actor, data={
        "code": f"KH{county_code[:6]}-{now.year}", "name": f"{county.name}{now.year}年度驻村工作队考核",
        "year": now.year, "subject_kind": "team", "area": county, "indicators": [
            {"code": "presence", "zh": "在岗履职", "en": "presence", "weight": 40},
            {"code": "visits", "zh": "入户走访", "en": "household visits", "weight": 30},
            {"code": "results", "zh": "帮扶成效", "en": "results", "weight": 30}]})
    made["appraisals"] = 0
    for team in WorkTeam.objects.filter(village__code__startswith=township[:9]).order_by("village_id"):
        score_save(actor=actor, data={"scheme": scheme, "team": team, "scores": {
            "presence": rng.randint(78, 98), "visits": rng.randint(70, 99), "results": rng.randint(60, 96)}})
        made["appraisals"] += 1
    return made


def projects(actor, county_code: str, start: datetime.date, now: datetime.date) -> dict:
    """The year's projects of the demo township's villages, planned stage by stage over the year; each has
    completed the stages due by now with their documents, except every other project is late on its current
    stage (its planned end passed, not completed)."""
    township, _village = demo_places(county_code)
    villages = list(Area.objects.filter(code__startswith=township[:9], level=Level.VILLAGE).order_by("code"))
    made = {"projects": 0, "project_stages_completed": 0, "project_documents": 0}
    span = (now - start).days
    for k, (kind, name) in enumerate(PROJECTS):
        village = villages[k % len(villages)]
        first = start + datetime.timedelta(days=15 * k)
        # Five stages over 5/4 of a year from `first`: the later ones lie ahead.
        bounds = [first + datetime.timedelta(days=span * 5 // 4 * j // 5) for j in range(6)]
        plans = {code: {"planned_start": bounds[j], "planned_end": bounds[j + 1] - datetime.timedelta(days=1)}
                 for j, code in enumerate(STAGE_ORDER)}
        project = project_save(actor=actor, data={
            "name": name.format(village=village.name), "type": kind, "area": village, "year": now.year,
            "planned_start": bounds[0], "planned_end": bounds[-1], "planned_scale": Decimal(100 + 20 * k),
            "stages": plans})
        made["projects"] += 1
        late = k % 2 == 1
        for j, code in enumerate(STAGE_ORDER):
            planned_end = plans[code]["planned_end"]
            if planned_end > now or (late and j >= 1):
                break  # not due yet, or the late project is stuck on its approval
            for n, doc_kind in enumerate(required_documents(kind, code)):
                number = f"{county_code[:6]}-{now.year}-{k + 1:02d}{j}{n}"
                document_save(actor=actor, data={
                    "project": project, "stage": code, "kind": doc_kind, "number": number,
                    "title": f"{project.name}（{doc_kind}）",
                    "file": ContentFile(pdf(f"Project {project.pk} {code} {doc_kind}", number),
                                        name=f"{doc_kind}-{number}.pdf")})
                made["project_documents"] += 1
            stage_complete(actor=actor, project=project, stage=code,
                           on=planned_end - datetime.timedelta(days=3 + k))
            made["project_stages_completed"] += 1
    return made


def quality(actor, county_code: str) -> dict:
    """A scan of the county's latest registry year; some findings explained by the village and accepted by the
    county (two different people, as the service demands), others explained and waiting, the rest open."""
    year = HouseholdYear.objects.filter(household__county_code=county_code[:6]).order_by("-year").values_list(
        "year", flat=True).first()
    if year is None:
        return {}
    scan = scan_run(actor=actor, year=year, area_code=county_code[:6].ljust(12, "0"))
    findings = list(Finding.objects.filter(first_scan=scan).order_by("id")[:30])
    reviewer = User.objects.filter(username="county_approver").first()
    explained = accepted = 0
    for k, finding in enumerate(findings):
        if k % 3 == 2:
            continue  # left open
        finding_explain(actor=actor, finding=finding, explanation=EXPLANATION)
        explained += 1
        if k % 3 == 0 and reviewer is not None:
            finding_accept(actor=reviewer, finding=finding, accept=True)
            accepted += 1
    return {"quality_findings": Finding.objects.filter(first_scan=scan).count(), "findings_explained": explained,
            "findings_accepted": accepted}


def monitoring(actor, county_code: str, now: datetime.date) -> dict:
    """The rainy season's debris flow in the demo township, then the warning rules over the county's households out
    of poverty for this year as of today: every household under the disaster is warned and gets a visit task, given
    to the county's cadres in turn; a third of them visited already (risk not confirmed), the rest waiting."""
    township, _village = demo_places(county_code)
    occurred = max(now - datetime.timedelta(days=100), now.replace(month=1, day=1))
    disaster_record(actor=actor, area_code=township, kind="geological", occurred_on=occurred,
                    title="强降雨引发泥石流，冲毁通组道路和部分农房、耕地")
    scanned = now - datetime.timedelta(days=10)  # the county's latest monthly scan
    run = warnings_run(actor=actor, year=now.year, area_code=county_code[:6].ljust(12, "0"), on=scanned)
    team = list(Cadre.objects.filter(area=county_area(county_code)).order_by("id")[:20])
    tasks = list(VisitTask.objects.filter(warning__in=run.warnings).select_related("warning").order_by("id"))
    visited = 0
    for k, task in enumerate(tasks):
        if task.cadre_id is None and team:
            task = task_assign(actor=actor, task=task, cadre=team[k % len(team)])
        if k % 3 == 0 and task.cadre_id is not None:
            task_complete(actor=actor, task=task, confirmed=False,
                          visited_on=scanned + datetime.timedelta(days=1 + k % 5),
                          notes="入户核实灾情，房屋轻微受损，已纳入灾后修缮", reason="损失已由保险和救助覆盖，收入稳定")
            visited += 1
    return {"disasters": 1, "warnings": len(run.warnings), "visit_tasks": len(tasks), "tasks_visited": visited}


def relocation(actor, county_code: str, start: datetime.date) -> dict:
    """A centralised resettlement site by the demo township's seat and the first poor households of the township's
    remote villages settled there this spring (易地扶贫搬迁); the registry records them as relocated."""
    township, _village = demo_places(county_code)
    seat = Area.objects.filter(code__startswith=township[:9], level=Level.VILLAGE).order_by("code").first()
    movers = list(county_households(county_code).filter(area__code__startswith=township[:9]).exclude(
        area=seat).exclude(pk__in=Relocation.objects.values("household_id"))[:RELOCATED])
    if not movers:
        return {}
    site = assistance_record_save(actor=actor, kind="site", data={
        "name": f"{seat.name}易地扶贫搬迁集中安置点", "area": seat, "kind": "centralised",
        "planned_households": len(movers) + 5})
    moved_on = start + datetime.timedelta(days=120)
    for household in movers:
        assistance_record_save(actor=actor, kind="relocation", data={
            "household": household, "site": site, "moved_on": moved_on,
            "persons": household.members.filter(is_active=True).count() or 1})
    return {"relocation_sites": 1, "relocated_households": len(movers)}


def build(*, actor, county_code: str, seed: int = 2026, log=print) -> dict:
    start, now, rng = working_days(seed + 1)
    township, _village = demo_places(county_code)
    made: dict[str, int] = {}
    if not WorkTeam.objects.filter(village__code__startswith=township[:9], start_date=start).exists() and \
            not AppraisalScheme.objects.filter(code=f"KH{county_code[:6]}-{now.year}").exists():
        made.update(teams(actor, county_code, rng, start, now))
    if not Project.objects.filter(area__code__startswith=township[:9], year=now.year).exists():
        made.update(projects(actor, county_code, start, now))
    if not RelocationSite.objects.filter(area__code__startswith=township[:9]).exists():
        made.update(relocation(actor, county_code, start))
    if not Finding.objects.filter(area_code__startswith=county_code[:6]).exists():
        made.update(quality(actor, county_code))
    if not Disaster.objects.filter(area_id=township).exists():
        made.update(monitoring(actor, county_code, now))
    log(f"Working year in {county_code}: " + ", ".join(f"{count} {kind}" for kind, count in made.items()))
    return made
