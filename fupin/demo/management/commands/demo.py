import time
from decimal import Decimal

from fupin.accounts.history import entering_history
from fupin.areas.models import Area
from fupin.core.cli import FupinCommand
from fupin.demo.calibration import HISTORY_REASON
from fupin.demo.households import synthetic_households
from fupin.demo.shanxi import SHANXI, ShanxiDemo
from fupin.demo.users import demo_users, ensure_demo_users
from fupin.demo.workyear import working_year
from fupin.demo.yunnan import YunnanDemo
from fupin.registry.bulk import households_bulk_register
from fupin.registry.models import Household

DEMO_PREFECTURE = "5333"  # 怒江傈僳族自治州, Yunnan: a 三区三州 prefecture
SMALL = Decimal("0.02")


class Command(FupinCommand):
    help = ("Fill the configured database with the demo: one login per role, Yunnan 2014–2020 calibrated to the "
            "first seed's figures and Shanxi 2017–2018 calibrated to the second's (without Yunnan's and the eastern "
            "partners' divisions: a small synthetic registry in 怒江 instead).")

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--members", type=int, default=5000,
                            help="Synthetic members to register in 怒江 when the calibrated Yunnan demo is not made "
                                 "(default 5000).")
        parser.add_argument("--small", action="store_true",
                            help=f"A quick look: both provinces at {SMALL} of the seeds' scale (a minute or two).")
        parser.add_argument("--yunnan-scale", type=Decimal, default=None,
                            help="Yunnan 2014–2020 at this fraction of the first seed's scale (default 1: about "
                                 "780,000 registered people; 0 leaves it out).")
        parser.add_argument("--without-working-year", action="store_true",
                            help="Leave out the demo county's working year (its daily work; a later run adds it).")
        parser.add_argument("--shanxi-scale", type=Decimal, default=None,
                            help="Shanxi 2017–2018 at this fraction of the second seed's scale (default 1: about "
                                 "1.14 million registered people; 0 leaves Shanxi out).")

    def handle(self, *args, **options):
        default = SMALL if options["small"] else Decimal(1)
        for key in ("yunnan_scale", "shanxi_scale"):
            options[key] = default if options[key] is None else options[key]
        users = ensure_demo_users(actor=self.actor)
        with entering_history(actor=self.actor, reason=HISTORY_REASON):  # one 补录 session for all the history
            self.write_history(options)
            if not options["without_working_year"]:
                self.working_year()
        self.log("[bold]Demo logins[/bold] (divisions are real NBS 2023 codes; households are synthetic):")
        self.emit(users, columns=["username", "password", "role", "area"], title="demo users")

    def write_history(self, options) -> None:
        """The demo's records: Yunnan 2014–2020 (or the synthetic 怒江 registry) and Shanxi 2017–2018."""
        missing = YunnanDemo.missing()
        if options["yunnan_scale"] > 0 and not missing:
            demo = YunnanDemo(actor=self.actor, scale=options["yunnan_scale"], log=self.log)
            with self.progress("Yunnan registry") as advance:
                demo.run(progress=advance)
        else:
            if options["yunnan_scale"] > 0:
                self.log(f"The calibrated Yunnan demo needs areas that are not loaded ({', '.join(missing[:3])} …).")
            self.synthetic(options["members"])
        if options["shanxi_scale"] > 0 and Area.objects.filter(code=SHANXI).exists():
            demo = ShanxiDemo(actor=self.actor, scale=options["shanxi_scale"], log=self.log)
            with self.progress("Shanxi registry") as advance:
                demo.run(progress=advance)

    def working_year(self) -> None:
        """The daily work of the demo logins' county over the last twelve months (fupin/demo/workyear.py; every
        builder in its WORKING_YEAR_BUILDERS), once the registry it works on exists."""
        county = next((user.area_code for user in demo_users() if user.role == "county_approver"), None)
        if county is None or not Household.objects.filter(county_code=county[:6]).exists():
            return
        began = time.perf_counter()
        made = working_year(actor=self.actor, county_code=county[:6], log=self.log)
        if made:
            self.log(f"Working year ({time.perf_counter() - began:.1f} s): "
                     + ", ".join(f"{count} {kind}" for kind, count in made.items()))

    def synthetic(self, members: int) -> None:
        villages = list(Area.objects.filter(level=5, code__startswith=DEMO_PREFECTURE).values_list("code", flat=True))
        if villages and not Household.objects.filter(area__code__startswith=DEMO_PREFECTURE).exists():
            with self.progress("registry", total=members) as advance:
                result = households_bulk_register(actor=self.actor, skip_invalid=True, on_progress=advance,
                                                  submissions=synthetic_households(villages, members))
            self.log(f"Registered {result.households} synthetic households, {result.members} members in 怒江州.")
