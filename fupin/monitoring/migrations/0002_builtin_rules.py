from django.db import migrations

from fupin.monitoring.seed import seed


class Migration(migrations.Migration):
    """The built-in warning rules and the policy parameters they read (visit deadline, income-drop share, cost
    amounts), seeded from this app's data files; rows a deployment already has are left as they are."""

    dependencies = [
        ("monitoring", "0001_initial"),
        ("rules", "0003_seed_helping_parameters"),
        ("quality", "0004_comparison_rules"),
    ]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
