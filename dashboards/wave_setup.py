"""Setting up a wave in the app: its rules, and saving what a change manager filled in (forms.WaveForm).

Three rules protect respondents once a wave has responses or has opened: its instrument is fixed
(the answers belong to its items), and its anonymity threshold can rise but never fall (people
answered under the promise of that k); once it has opened, its head counts are fixed: they bound
the links for each group (see HeadCount); once its final results are released it stays closed
(`Wave.is_final`). Saving a wave as closed closes it at once: the final release, and the end of
what answering needed (surveys/closing.py).

The form checks the rules; saving is a plain function, as the rest of the domain's actions
(surveys/closing.py, surveys/invitations.py): it writes more than the wave (value streams, head
counts, the audit log, perhaps the final release), which a form's save would hide.
"""

from django.db import transaction

from surveys import audit
from surveys.closing import close_wave
from surveys.models import HeadCount, ValueStream, Wave


@transaction.atomic
def save_wave(form, *, user=None):
    """Save the set-up of a valid `form` (forms.WaveForm): the wave, its new value streams and its
    head counts; log who changed what (`user`); and close the wave at once if it is set closed."""
    is_new = form.instance.pk is None
    changes = form.audit_changes(is_new)
    wave = form.save(commit=False)
    wave.organization = form.organization
    wave.titles = form.titles()
    wave.save()
    created = [
        ValueStream.objects.create(organization=form.organization, name=name)
        for name in form.cleaned_data["new_value_streams"]
    ]
    wave.value_streams.set([*form.cleaned_data["value_streams"], *created])
    for stream, (biz, it) in [] if form.head_counts_fixed else form.head_count_fields:
        counts = {"biz": form.cleaned_data.get(biz), "it": form.cleaned_data.get(it)}
        if counts["biz"] is None and counts["it"] is None:
            HeadCount.objects.filter(wave=wave, value_stream=stream).delete()
        else:
            HeadCount.objects.update_or_create(wave=wave, value_stream=stream, defaults=counts)
    if is_new or changes:
        action = "wave_created" if is_new else "wave_changed"
        audit.record(action, organization=form.organization, wave=wave, user=user, changes=changes, channel="page")
    if wave.status == Wave.Status.CLOSED:  # now, not at the next daily job: the final release, and erasing
        close_wave(wave, user=user)
    return wave
