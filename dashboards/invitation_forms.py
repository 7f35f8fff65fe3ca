"""The forms of the invitations page: links for a mail merge, e-mails, and revoking a batch."""

from django import forms

from surveys.models import Side

MAX_LINKS_AT_ONCE = 2000


class TargetForm(forms.Form):
    """Which people: a value stream of the wave and a side."""

    value_stream = forms.ModelChoiceField(queryset=None, empty_label=None)
    side = forms.ChoiceField(choices=Side.choices)

    def __init__(self, *args, wave, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["value_stream"].queryset = wave.value_streams.order_by("name")


class LinksForm(TargetForm):
    count = forms.IntegerField(
        min_value=1, max_value=MAX_LINKS_AT_ONCE, label="Number of links", help_text="One per person."
    )


class EmailForm(TargetForm):
    addresses = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}),
        label="E-mail addresses",
        help_text="One per line (commas work too). Addresses are kept only for reminders and erased once "
        "the link is used or revoked.",
    )

    def address_list(self):
        return self.cleaned_data["addresses"].replace(",", "\n").splitlines()
