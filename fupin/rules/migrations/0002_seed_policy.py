from django.db import migrations

from fupin.rules.migrations import _seed


class Migration(migrations.Migration):
    dependencies = [("rules", "0001_initial")]
    operations = [migrations.RunPython(_seed.seed, migrations.RunPython.noop)]
