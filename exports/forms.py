from django import forms

from .models import ExportLog


class ExportForm(forms.Form):
    format = forms.ChoiceField(choices=ExportLog.Format.choices, initial=ExportLog.Format.CSV)
    layout = forms.ChoiceField(choices=ExportLog.Layout.choices, initial=ExportLog.Layout.WIDE)
