from django.db import migrations

from fupin.quality.seed import seed_rules


class Migration(migrations.Migration):
    dependencies = [("quality", "0001_initial")]
    operations = [migrations.RunPython(seed_rules, migrations.RunPython.noop)]
