from django.db import migrations, models
from django.db.models import Q
from django.db.models.functions import Length

BATCH = 2_000


class UncodableAnswer(Exception):
    """An answer row holds a value that no answer code can carry."""


def code_every_response(apps, schema_editor):
    """Give every response without fitting answer codes its codes, from its answer rows.

    Readers read only the codes from now on. A response lacks them, or has codes of another
    length than its instrument's items, only if it was stored by other means than the
    questionnaire, the import or the demo; its answer rows are the record, so nothing is lost.

    The rule of surveys/answer_codes.py, written out here because a migration must not depend
    on code that may change later: one byte per item in questionnaire order; 0 not answered,
    1 not applicable, 2 + (value − scale minimum) for a scale point. A value no byte can carry
    stops the migration with the response and item named, and changes nothing: the answer
    must be corrected (or its response deleted) first.
    """
    Wave = apps.get_model("surveys", "Wave")
    Item = apps.get_model("surveys", "Item")
    Answer = apps.get_model("surveys", "Answer")
    Response = apps.get_model("surveys", "Response")
    for wave in Wave.objects.select_related("instrument"):
        items = list(
            Item.objects.filter(theme__dimension__instrument=wave.instrument_id)
            .order_by("theme__dimension__order", "theme__order", "order")
            .values_list("pk", "code")
        )
        position = {pk: index for index, (pk, _) in enumerate(items)}
        scale_min = wave.instrument.scale_min
        response_ids = list(
            Response.objects.filter(wave=wave)
            .annotate(code_length=Length("answer_codes"))
            .filter(Q(answer_codes__isnull=True) | ~Q(code_length=len(items)))
            .values_list("pk", flat=True)
        )
        for start in range(0, len(response_ids), BATCH):
            batch = response_ids[start : start + BATCH]
            codes = {pk: bytearray(len(items)) for pk in batch}
            for response_id, item_id, value in Answer.objects.filter(response_id__in=batch).values_list(
                "response_id", "item_id", "value"
            ):
                if item_id not in position:
                    continue  # an item of another instrument: no column of this wave reads it
                code = 1 if value is None else 2 + value - scale_min
                if not 0 <= code <= 255:
                    raise UncodableAnswer(
                        f"Response {response_id} of wave {wave.slug!r} answers item {items[position[item_id]][1]!r} "
                        f"with {value}, which lies too far outside the scale from {scale_min} to be stored as an "
                        "answer code. Correct or delete that answer, then migrate again; nothing was changed."
                    )
                codes[response_id][position[item_id]] = code
            Response.objects.bulk_update(
                [Response(pk=pk, answer_codes=bytes(code)) for pk, code in codes.items()], ["answer_codes"]
            )


class Migration(migrations.Migration):
    dependencies = [
        ("surveys", "0008_audit_and_link_counts"),
    ]

    operations = [
        migrations.RunPython(code_every_response, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="response",
            name="answer_codes",
            field=models.BinaryField(editable=False),
        ),
        migrations.AddConstraint(
            model_name="response",
            constraint=models.CheckConstraint(
                condition=~models.Q(answer_codes=b""), name="response_has_answer_codes"
            ),
        ),
    ]
