from django import forms
from django.utils.translation import gettext_lazy as _

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


class InstrumentUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Instrument file (JSON or YAML)"),
        help_text=_("The format of manage.py load_instrument: see the researchers' guide."),
    )
