"""The demo's complaints (信访 / 12317): in the demo county, a set of tickets at every stage of their lifecycle —
received, accepted, under investigation, replied, satisfaction recorded, closed and not accepted — over every
category and channel, some answered on time, some late and some overdue, through the grievances services.

Dates run back from today (so the inbox shows overdue tickets whenever the demo is made); the steps' past dates
are entered in the demo's 补录 session. Each ticket carries a reference `DEMO-<county>-<n>`: a second call finds
them and makes nothing new."""

import datetime
import random

from fupin.accounts.history import entering_history
from fupin.areas.models import Area
from fupin.core import areacodes as codes
from fupin.core import temporal
from fupin.grievances import selectors, services
from fupin.grievances.models import Channel
from fupin.registry.models import Household

HISTORY_REASON = "演示数据：信访件 (demo complaints)"
CHANNELS = [Channel.HOTLINE, Channel.LETTER, Channel.VISIT, Channel.ONLINE, Channel.INSPECTION]
# (stage reached, days ago received, days to the reply): a reply after the category's 60 days is late.
PLAN = [
    ("received", 3, None), ("received", 85, None),  # pending, and overdue
    ("accepted", 20, None), ("accepted", 70, None),
    ("investigating", 40, None), ("investigating", 95, None),
    ("replied", 50, 30), ("replied", 120, 75),
    ("rated", 90, 45), ("rated", 150, 58),
    ("closed", 200, 40), ("closed", 260, 66), ("closed", 330, 20),
    ("not_accepted", 30, 4),
]
SUMMARIES = {
    "identification": ("反映某户家庭收入核算不实，疑似错评", "Income of a household misstated: wrongly identified?"),
    "favouritism": ("反映村干部亲属被纳入建档立卡", "A cadre's relative registered as poor"),
    "funds_misuse": ("反映产业扶持资金未足额发放", "Industry support not paid in full"),
    "project_quality": ("反映饮水工程管道漏水", "The drinking-water project's pipes leak"),
    "cadre_conduct": ("反映帮扶干部收受礼品", "A helping cadre accepted gifts"),
    "work_style": ("反映入户走访填表代替实地核查", "Visits replaced by filling in forms"),
    "other": ("咨询易地搬迁后续扶持政策", "Question on follow-up support after relocation"),
}
STEPS_TO = {
    "received": [], "accepted": ["accept"], "investigating": ["accept", "investigate"],
    "replied": ["accept", "investigate", "reply"], "rated": ["accept", "investigate", "reply", "rate"],
    "closed": ["accept", "investigate", "reply", "rate", "close"], "not_accepted": ["not_accept"],
}


def build(*, actor, county_code: str, seed: int = 2026, log=print) -> dict:
    county = Area.objects.filter(code=codes.normalise_code(county_code)).first()
    if county is None:
        log(f"Complaints: county {county_code} is not loaded; none made.")
        return {"tickets": 0}
    low, high = codes.code_range(county.prefix)
    villages = list(Area.objects.filter(level=codes.Level.VILLAGE, code__gte=low, code__lte=high)
                    .order_by("code").values_list("code", flat=True)[:40]) or [county.code]
    households = list(Household.objects.filter(area_id__gte=low, area_id__lte=high).order_by("id")
                      .values_list("id", "area_id")[:200])
    categories = list(selectors.category_list())
    rng = random.Random(seed)
    today = temporal.today()
    made = 0
    with entering_history(actor=actor, reason=HISTORY_REASON):
        for index, (stage, ago, reply_after) in enumerate(PLAN * 2):
            reference = f"DEMO-{county.prefix}-{index + 1:03d}"
            if selectors.ticket_by_reference(reference) is not None:
                continue
            category = categories[index % len(categories)]
            received = today - datetime.timedelta(days=ago + (index // len(PLAN)) * 7)
            # A complaint about identification names the household (its village is the area concerned).
            household_id, area_code = rng.choice(households) if households and category.code in {
                "identification", "favouritism"} else (None, rng.choice(villages))
            zh, en = SUMMARIES.get(category.code, SUMMARIES["other"])
            data = {
                "channel": CHANNELS[index % len(CHANNELS)], "category": category,
                "area": Area.objects.get(code=area_code),
                "household": Household.objects.get(pk=household_id) if household_id else None,
                "summary": zh, "content": f"{zh}。{en}.", "received_on": received, "reference": reference,
                # Every third reporter anonymous; the others' identities are invented (confidential anyway).
                "reporter_name": "" if index % 3 == 0 else f"{rng.choice('李王张杨赵和余')}{rng.choice('明华芳丽强')}",
                "reporter_phone": "" if index % 3 == 0 else f"139{rng.randrange(10**8):08d}",
            }
            ticket = services.ticket_file(actor=actor, data=data)
            _walk(actor, ticket, stage, received, reply_after, today)
            made += 1
    log(f"Complaints: {made} made in {county.name}.")
    return {"tickets": made}


def _walk(actor, ticket, stage: str, received: datetime.date, reply_after: int | None, today) -> None:
    reply_on = received + datetime.timedelta(days=reply_after or 30)
    dates = {"accept": received + datetime.timedelta(days=2), "not_accept": reply_on,
             "investigate": received + datetime.timedelta(days=5), "reply": reply_on,
             "rate": reply_on + datetime.timedelta(days=3), "close": reply_on + datetime.timedelta(days=5)}
    for step in STEPS_TO[stage]:
        on = min(dates[step], today)
        services.ticket_move(
            actor=actor, ticket=ticket, step=step, on=on, note="",
            reason="不属于扶贫部门职责，已告知向有关部门反映" if step == "not_accept" else "",
            reply="经核查，情况已向反映人说明并依规处理。" if step == "reply" else "",
            finding="partly" if step == "reply" else "",
            satisfaction="satisfied" if step == "rate" else "",
            outcome="已核实整改，相关记录已通过原业务更正。" if step == "close" else "")
