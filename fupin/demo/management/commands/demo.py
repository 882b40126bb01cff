from fupin.core.cli import FupinCommand
from fupin.demo.users import ensure_demo_users


class Command(FupinCommand):
    help = "Fill the configured database with the demo: one login per role, granted real areas."

    def handle(self, *args, **options):
        users = ensure_demo_users(actor=self.actor)
        self.log("[bold]Demo logins[/bold] (divisions are real NBS 2023 codes; the registry is not filled yet):")
        self.emit(users, columns=["username", "password", "role", "area"], title="demo users")
