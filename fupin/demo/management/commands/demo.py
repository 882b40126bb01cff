from fupin.core.cli import FupinCommand
from fupin.demo.users import ensure_demo_users


class Command(FupinCommand):
    help = "Fill the configured database with the demo (users per role for now; synthetic registry to come)."

    def handle(self, *args, **options):
        users = ensure_demo_users(actor=self.actor)
        self.log("[bold]Demo logins[/bold] (households are synthetic; divisions are real NBS 2023 codes):")
        self.emit(users, columns=["username", "password", "role", "area"], title="demo users")
