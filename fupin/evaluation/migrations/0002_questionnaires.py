from django.db import migrations

from fupin.evaluation.seed import seed_questionnaires


class Migration(migrations.Migration):
    dependencies = [("evaluation", "0001_initial")]
    operations = [migrations.RunPython(seed_questionnaires, migrations.RunPython.noop)]
