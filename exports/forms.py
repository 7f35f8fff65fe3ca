from django import forms
from django.utils.translation import gettext_lazy as _

from .models import ExportLog

# The layouts as the export page offers them, in the page's language (the log keeps the English of ExportLog).
LAYOUT_CHOICES = [
    (ExportLog.Layout.WIDE.value, _("Wide: one row per response")),
    (ExportLog.Layout.LONG.value, _("Long: one row per answer")),
]


class ExportForm(forms.Form):
    format = forms.ChoiceField(choices=ExportLog.Format.choices, initial=ExportLog.Format.CSV, label=_("Format"))
    layout = forms.ChoiceField(choices=LAYOUT_CHOICES, initial=ExportLog.Layout.WIDE, label=_("Layout"))
