"""Signs added before the workflow: placed when they have a placement date, else approved (the
municipality entered them itself); each gets its own random token."""

import secrets

from django.db import migrations


def forwards(apps, schema_editor):
    StreetSign = apps.get_model("signs", "StreetSign")
    for sign in StreetSign.objects.all().only("pk", "placed_on"):
        sign.state = "placed" if sign.placed_on else "approved"
        sign.token = secrets.token_urlsafe(9)
        sign.save(update_fields=["state", "token"])


class Migration(migrations.Migration):
    dependencies = [("signs", "0002_workflow")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
