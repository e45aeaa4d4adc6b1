import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def copy_recorder(apps, schema_editor):
    inspection = apps.get_model("supervision", "MysteryInspection")
    inspection.objects.update(recorded_by=models.F("inspector"))


class Migration(migrations.Migration):
    dependencies = [
        ("supervision", "0004_customervisit_suggestion"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # The old `inspector` was the user who recorded the inspection: copy it to `recorded_by`
        # and drop it (a rename would keep its index name, which the new `inspector` needs).
        migrations.AddField(
            model_name="mysteryinspection",
            name="recorded_by",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="登记人",
            ),
        ),
        migrations.RunPython(copy_recorder, migrations.RunPython.noop),
        migrations.RemoveField(model_name="mysteryinspection", name="inspector"),
        migrations.AlterField(
            model_name="mysteryinspection",
            name="recorded_by",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="登记人",
            ),
        ),
        migrations.CreateModel(
            name="MysteryInspector",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("alias", models.CharField(max_length=20, unique=True, verbose_name="代号")),
                ("active", models.BooleanField(default=True, verbose_name="在岗")),
                ("appointed_at", models.DateTimeField(auto_now_add=True, verbose_name="委派时间")),
                (
                    "user",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="人员",
                    ),
                ),
            ],
            options={
                "verbose_name": "秘密监察员",
                "verbose_name_plural": "秘密监察员",
                "ordering": ["alias"],
            },
        ),
        migrations.AddField(
            model_name="mysteryinspection",
            name="inspector",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="inspections",
                to="supervision.mysteryinspector",
                verbose_name="秘密监察员",
            ),
        ),
        migrations.AddField(
            model_name="supervisionsettings",
            name="head",
            field=models.ForeignKey(
                blank=True,
                limit_choices_to={"role": "supervisor"},
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="监督部负责人",
            ),
        ),
    ]
