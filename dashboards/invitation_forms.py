"""The forms of the invitations page: links for a mail merge, e-mails, and revoking a batch."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from surveys import invitations
from surveys.models import Side

MAX_LINKS_AT_ONCE = 2000


class TargetForm(forms.Form):
    """Which people: a value stream of the wave and a side."""

    value_stream = forms.ModelChoiceField(queryset=None, empty_label=None, label=_("Value stream"))
    side = forms.ChoiceField(choices=Side.choices, label=_("Side"))

    def __init__(self, *args, wave, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["value_stream"].queryset = wave.value_streams.order_by("name")


class LinksForm(TargetForm):
    count = forms.IntegerField(
        min_value=1, max_value=MAX_LINKS_AT_ONCE, label=_("Number of links"), help_text=_("One per person.")
    )


class EmailForm(TargetForm):
    addresses = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}),
        label=_("E-mail addresses"),
        help_text=_(
            "One per line (commas work too). Addresses are kept only for reminders and erased once "
            "the link is used or revoked."
        ),
    )

    def clean_addresses(self):
        """Refuse the whole list, in the page's language, if anything in it is not an address (as sending would)."""
        addresses = self.cleaned_data["addresses"]
        try:
            invitations.clean_addresses(addresses.replace(",", "\n").splitlines())
        except invitations.InvalidAddresses as error:
            message = gettext("Not e-mail addresses: %(addresses)s. Nothing was sent.")
            raise ValidationError(message % {"addresses": ", ".join(error.addresses)}) from error
        return addresses

    def address_list(self):
        return self.cleaned_data["addresses"].replace(",", "\n").splitlines()
