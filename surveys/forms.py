from crispy_forms.helper import FormHelper
from django import forms
from django.utils.translation import gettext_lazy as _

from .models import NOT_APPLICABLE, Role, Side, TenureBand, pick_language
from .questionnaire import item_field_name


def _helper():
    helper = FormHelper()
    helper.form_tag = False  # the template owns the <form>, its buttons and CSRF token
    helper.disable_csrf = True
    return helper


class ValueStreamChoice(forms.ModelChoiceField):
    """A value stream of the wave, named in the respondent's language."""

    def label_from_instance(self, obj):
        return obj.localized_name


class BackgroundForm(forms.Form):
    """Who answers: value stream and side are needed for the analysis; the rest is optional."""

    value_stream = ValueStreamChoice(
        queryset=None,
        label=_("Which value stream do you work in?"),
        empty_label=_("Choose your value stream"),
        error_messages={"required": _("Please choose your value stream.")},
    )
    side = forms.ChoiceField(
        choices=Side.choices,
        widget=forms.RadioSelect,
        label=_("Which side of the value stream are you on?"),
        help_text=_("Business: you define, own or use the product. IT: you build or run it."),
        error_messages={"required": _("Please choose business or IT.")},
    )
    role = forms.ChoiceField(
        choices=[("", _("Prefer not to say"))] + Role.choices,
        required=False,
        label=_("Your role (optional)"),
    )
    tenure_band = forms.ChoiceField(
        choices=[("", _("Prefer not to say"))] + TenureBand.choices,
        required=False,
        label=_("How long have you worked in the organization? (optional)"),
    )

    def __init__(self, *args, wave, invitation=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.invitation = invitation
        if invitation is None:
            self.fields["value_stream"].queryset = wave.value_streams.order_by("name")
        else:
            # A personal invitation was made for one value stream and side: shown, not asked.
            del self.fields["value_stream"], self.fields["side"]
        self.helper = _helper()

    def clean(self):
        cleaned = super().clean()
        if self.invitation is not None:
            cleaned["value_stream"] = self.invitation.value_stream
            cleaned["side"] = self.invitation.side
        return cleaned


class ThemePageForm(forms.Form):
    """The items of one theme, each a radio group with the scale labels and "not applicable"."""

    def __init__(self, *args, page, instrument, language=None, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(str(point), instrument.scale_label(point, language)) for point in instrument.scale_points]
        if instrument.allows_not_applicable:
            choices.append((NOT_APPLICABLE, _("Not applicable")))
        for item in page.items:
            self.fields[item_field_name(item)] = forms.ChoiceField(
                label=pick_language(item.text, language),
                choices=choices,
                widget=forms.RadioSelect,
                error_messages={
                    "required": _("Please choose an answer, or “Not applicable” if it does not apply to you.")
                },
            )
        self.helper = _helper()
