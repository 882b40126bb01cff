from django.db import migrations

from fupin.quality.seed import seed_rules


class Migration(migrations.Migration):
    """Adds the built-in rules on responsible cadres (missing, or a member of a poor household)."""

    dependencies = [("quality", "0004_comparison_rules")]
    operations = [migrations.RunPython(seed_rules, migrations.RunPython.noop)]
