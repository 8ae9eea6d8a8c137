import uuid

from django.db import migrations, models


def create_row(apps, schema_editor):
    apps.get_model("areas", "AreaIndexVersion").objects.get_or_create(pk=1, defaults={"token": uuid.uuid4().hex})


class Migration(migrations.Migration):
    dependencies = [
        ("areas", "0002_areaneighbour"),
    ]

    operations = [
        migrations.CreateModel(
            name="AreaIndexVersion",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("token", models.CharField(max_length=32)),
            ],
            options={
                "verbose_name": "area index version",
            },
        ),
        migrations.RunPython(create_row, migrations.RunPython.noop),
    ]
