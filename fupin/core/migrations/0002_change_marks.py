import uuid

from django.db import migrations, models


def create_identity(apps, schema_editor):
    # Every database gets its own identity when it is created, so a dump of it carries the identity along.
    apps.get_model("core", "DatabaseIdentity").objects.using(schema_editor.connection.alias).create(uuid=uuid.uuid4())


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0001_cache_table'),
    ]

    operations = [
        migrations.CreateModel(
            name='DatabaseIdentity',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('uuid', models.UUIDField(unique=True, verbose_name='identity')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created at')),
            ],
            options={
                'verbose_name': 'database identity',
                'verbose_name_plural': 'database identities',
            },
        ),
        migrations.CreateModel(
            name='ChangeMark',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('county_code', models.CharField(max_length=6, verbose_name='county code')),
                ('year', models.PositiveSmallIntegerField(verbose_name='year')),
                ('version', models.PositiveBigIntegerField(default=1, verbose_name='version')),
                ('changed_at', models.DateTimeField(verbose_name='changed at')),
            ],
            options={
                'verbose_name': 'change mark',
                'verbose_name_plural': 'change marks',
                'indexes': [models.Index(fields=['year', 'county_code'], name='change_mark_year')],
                'constraints': [models.UniqueConstraint(fields=('county_code', 'year'), name='unique_change_mark')],
            },
        ),
        migrations.RunPython(create_identity, migrations.RunPython.noop),
    ]
