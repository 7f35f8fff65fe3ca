from django.db import migrations, models

BATCH = 2_000


def write_codes(apps, schema_editor):
    """Give every stored response its answer codes, from its answer rows.

    The rule of surveys/answer_codes.py, written out here because a migration must not depend
    on code that may change later: one byte per item in questionnaire order; 0 not answered,
    1 not applicable, 2 + (value − scale minimum) for a scale point.
    """
    Wave = apps.get_model("surveys", "Wave")
    Item = apps.get_model("surveys", "Item")
    Response = apps.get_model("surveys", "Response")
    Answer = apps.get_model("surveys", "Answer")
    for wave in Wave.objects.select_related("instrument"):
        order = list(
            Item.objects.filter(theme__dimension__instrument=wave.instrument_id)
            .order_by("theme__dimension__order", "theme__order", "order")
            .values_list("pk", flat=True)
        )
        position = {pk: index for index, pk in enumerate(order)}
        response_ids = list(wave.responses.filter(answer_codes__isnull=True).values_list("pk", flat=True))
        for start in range(0, len(response_ids), BATCH):
            batch = response_ids[start : start + BATCH]
            codes = {pk: bytearray(len(order)) for pk in batch}
            for response_id, item_id, value in Answer.objects.filter(response_id__in=batch).values_list(
                "response_id", "item_id", "value"
            ):
                if item_id in position:
                    codes[response_id][position[item_id]] = (
                        1 if value is None else 2 + value - wave.instrument.scale_min
                    )
            Response.objects.bulk_update(
                [Response(pk=pk, answer_codes=bytes(code)) for pk, code in codes.items()], ["answer_codes"]
            )


class Migration(migrations.Migration):
    dependencies = [
        ("surveys", "0003_invitations"),
    ]

    operations = [
        migrations.AddField(
            model_name="response",
            name="answer_codes",
            field=models.BinaryField(editable=False, null=True),
        ),
        migrations.RunPython(write_codes, migrations.RunPython.noop),
    ]
