from django import forms
from django.utils.translation import gettext_lazy as _

from .anonymize import ANY, CHOICES, WIDE_BANDS
from .rows import LONG, WIDE
from .writers import CSV, JSON, SAV

FORMAT_CHOICES = [(CSV, "CSV"), (JSON, "JSON"), (SAV, "SPSS (.sav)")]
# The layouts as the export page offers them, in the page's language.
LAYOUT_CHOICES = [
    (WIDE, _("Wide: one row per response")),
    (LONG, _("Long: one row per answer")),
]


class ExportForm(forms.Form):
    format = forms.ChoiceField(choices=FORMAT_CHOICES, initial=CSV, label=_("Format"))
    layout = forms.ChoiceField(choices=LAYOUT_CHOICES, initial=WIDE, label=_("Layout"))


# How each quasi-identifier reads in the file, in the page's language (the choice page's table).
VALUE_STREAM_LABELS = {ANY: _("pooled"), "as collected": _("as collected")}
SIDE_LABELS = {ANY: _("dropped"), "as collected": _("as collected")}
ROLE_LABELS = {ANY: _("replaced by “any”"), "as collected": _("as collected")}
TENURE_LABELS = {ANY: _("replaced by “any”"), WIDE_BANDS: _("wider bands"), "as collected": _("as collected")}


class ChosenExportForm(ExportForm):
    """The download form of the choice page: format, layout and what to keep (empty: the automatic choice)."""

    generalization = forms.ChoiceField(
        choices=[("", _("Automatic"))] + [(choice.name, choice.name) for choice in CHOICES],
        required=False,
        label=_("What to keep"),
    )


class InstrumentUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Instrument file (JSON or YAML)"),
        help_text=_("The format of manage.py load_instrument: see the researchers' guide."),
    )
