from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def municipality_language(apps, schema_editor):
    """Requests made before the language was kept: the municipality's own language is the best
    guess of the language the resident asked in."""
    GroupRequest = apps.get_model("groups", "GroupRequest")
    Municipality = apps.get_model("municipalities", "Municipality")
    GroupRequest.objects.update(
        language=Subquery(Municipality.objects.filter(pk=OuterRef("municipality_id")).values("language")[:1])
    )


class Migration(migrations.Migration):
    dependencies = [
        ("groups", "0003_group_registration"),
        ("municipalities", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="grouprequest",
            name="language",
            field=models.CharField(
                choices=[("nl", "Dutch"), ("fr", "French"), ("en", "English")],
                default="nl",
                max_length=5,
                verbose_name="language",
            ),
        ),
        migrations.RunPython(municipality_language, migrations.RunPython.noop),
    ]
