from django.db import migrations

from fupin.lowincome.seed import seed_parameters


class Migration(migrations.Migration):
    dependencies = [("lowincome", "0001_initial")]

    operations = [migrations.RunPython(seed_parameters, migrations.RunPython.noop)]
