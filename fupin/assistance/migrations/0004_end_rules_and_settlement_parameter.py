from django.db import migrations

from fupin.assistance.seed import seed


class Migration(migrations.Migration):
    """The catalogue's end rules (microcredit, public-welfare posts, education) and the large-settlement threshold."""

    dependencies = [
        ("assistance", "0003_support_end_relocation_followup"),
        ("rules", "0003_seed_helping_parameters"),
    ]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
