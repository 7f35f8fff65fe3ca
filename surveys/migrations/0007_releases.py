"""Releases, random response ids, and the per-wave choice of interim results.

Existing responses get random ids too (their old ids counted up in the order people answered),
and every closed wave gets its final release holding all its responses, so that its dashboards
and exports read what they read before. Open waves show results from their first release on.
"""

import secrets

import django.db.models.deletion
import django.utils.timezone
import surveys.models
from django.db import migrations, models


RESPONSE_ID_FLOOR = 1 << 62


def renumber_responses(apps, schema_editor):
    """Give every response a random id, its answers following: one UPDATE per table through a map."""
    Response = apps.get_model("surveys", "Response")
    Answer = apps.get_model("surveys", "Answer")
    old_ids = list(Response.objects.values_list("pk", flat=True))
    if not old_ids:
        return
    new_ids = set()
    while len(new_ids) < len(old_ids):
        new_ids.add(RESPONSE_ID_FLOOR | secrets.randbits(62))
    quote = schema_editor.quote_name
    responses, answers = quote(Response._meta.db_table), quote(Answer._meta.db_table)
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE response_id_map (old_id BIGINT PRIMARY KEY, new_id BIGINT NOT NULL)")
        cursor.executemany(
            "INSERT INTO response_id_map (old_id, new_id) VALUES (%s, %s)", list(zip(old_ids, new_ids, strict=True))
        )
        for table, column in ((answers, "response_id"), (responses, "id")):
            cursor.execute(
                f"UPDATE {table} SET {column} = "  # noqa: S608 — table names from the models
                f"(SELECT new_id FROM response_id_map WHERE old_id = {table}.{column})"
            )
        cursor.execute("DROP TABLE response_id_map")


def release_closed_waves(apps, schema_editor):
    Wave = apps.get_model("surveys", "Wave")
    Release = apps.get_model("surveys", "Release")
    Response = apps.get_model("surveys", "Response")
    for wave in Wave.objects.filter(status="closed"):
        responses = Response.objects.filter(wave=wave).update(released_in=1)
        if responses:
            Release.objects.create(wave=wave, number=1, kind="final", responses=responses)


class Migration(migrations.Migration):
    dependencies = [
        ("surveys", "0006_invited_address"),
    ]

    operations = [
        migrations.CreateModel(
            name="Release",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("number", models.PositiveIntegerField()),
                ("kind", models.CharField(choices=[("interim", "Interim"), ("final", "Final")], max_length=10)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                ("responses", models.PositiveIntegerField(help_text="Responses in the release, all groups together.")),
                (
                    "withheld",
                    models.PositiveIntegerField(
                        default=0,
                        help_text=(
                            "Final release: responses that came after the last interim release in groups where "
                            "fewer than k did; they could never be added to a release, so they were deleted."
                        ),
                    ),
                ),
            ],
            options={
                "ordering": ["wave", "-number"],
            },
        ),
        migrations.AddField(
            model_name="response",
            name="released_in",
            field=models.PositiveIntegerField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="wave",
            name="interim_results",
            field=models.BooleanField(
                default=False,
                help_text="Release interim results while the wave is open (daily, or when a change manager asks), each adding at least k new responses to a group. Off: results appear when the wave closes.",
            ),
        ),
        migrations.AlterField(
            model_name="response",
            name="id",
            field=surveys.models.RandomIdField(
                default=surveys.models.new_response_id, editable=False, primary_key=True, serialize=False
            ),
        ),
        migrations.AddIndex(
            model_name="response",
            index=models.Index(fields=["wave", "released_in"], name="surveys_res_wave_id_bdfc11_idx"),
        ),
        migrations.AddField(
            model_name="release",
            name="wave",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="releases", to="surveys.wave"
            ),
        ),
        migrations.AddConstraint(
            model_name="release",
            constraint=models.UniqueConstraint(fields=("wave", "number"), name="one_release_number_per_wave"),
        ),
        migrations.AddConstraint(
            model_name="release",
            constraint=models.UniqueConstraint(
                condition=models.Q(("kind", "final")), fields=("wave",), name="one_final_release_per_wave"
            ),
        ),
        migrations.RunPython(renumber_responses, migrations.RunPython.noop),
        migrations.RunPython(release_closed_waves, migrations.RunPython.noop),
    ]
