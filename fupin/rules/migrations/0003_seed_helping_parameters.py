from django.db import migrations

from fupin.rules.migrations import _seed


class Migration(migrations.Migration):
    """Reseeds policy.csv (idempotent): adds the visit interval and project-delay parameters."""

    dependencies = [("rules", "0002_seed_policy")]
    operations = [migrations.RunPython(_seed.seed, migrations.RunPython.noop)]
