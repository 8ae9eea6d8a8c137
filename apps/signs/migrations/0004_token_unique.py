import django.db.models
from django.db import migrations

import apps.signs.models


class Migration(migrations.Migration):
    dependencies = [("signs", "0003_existing_signs")]

    operations = [
        migrations.AlterField(
            model_name="streetsign",
            name="token",
            field=django.db.models.CharField(
                default=apps.signs.models.new_token, editable=False, max_length=16, unique=True
            ),
        ),
    ]
