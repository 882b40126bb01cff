from decimal import Decimal

from fupin.areas.models import Area
from fupin.core.cli import FupinCommand
from fupin.demo.households import synthetic_households
from fupin.demo.shanxi import SHANXI, ShanxiDemo
from fupin.demo.users import ensure_demo_users
from fupin.registry.bulk import households_bulk_register
from fupin.registry.models import Household

DEMO_PREFECTURE = "5333"  # 怒江傈僳族自治州, Yunnan: a 三区三州 prefecture


class Command(FupinCommand):
    help = ("Fill the configured database with the demo: one login per role, a small synthetic registry in 怒江, "
            "and Shanxi 2017–2018 calibrated to the second seed's figures.")

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--members", type=int, default=5000, help="Synthetic members to register (default 5000).")
        parser.add_argument("--shanxi-scale", type=Decimal, default=Decimal(1),
                            help="Shanxi 2017–2018 at this fraction of the second seed's scale (default 1: about "
                                 "1.14 million registered people; 0 leaves Shanxi out).")

    def handle(self, *args, **options):
        users = ensure_demo_users(actor=self.actor)
        villages = list(Area.objects.filter(level=5, code__startswith=DEMO_PREFECTURE).values_list("code", flat=True))
        if villages and not Household.objects.filter(area__code__startswith=DEMO_PREFECTURE).exists():
            with self.progress("registry", total=options["members"]) as advance:
                result = households_bulk_register(actor=self.actor, skip_invalid=True, on_progress=advance,
                                                  submissions=synthetic_households(villages, options["members"]))
            self.log(f"Registered {result.households} synthetic households, {result.members} members in 怒江州.")
        if options["shanxi_scale"] > 0 and Area.objects.filter(code=SHANXI).exists():
            demo = ShanxiDemo(actor=self.actor, scale=options["shanxi_scale"], log=self.log)
            with self.progress("Shanxi registry") as advance:
                demo.run(progress=advance)
        self.log("[bold]Demo logins[/bold] (divisions are real NBS 2023 codes; households are synthetic):")
        self.emit(users, columns=["username", "password", "role", "area"], title="demo users")
