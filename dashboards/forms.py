"""The change manager's forms: a wave's set-up, and the invitations page's (links for a mail merge,
e-mails, revoking a batch). They validate; saving is done by plain functions (`wave_setup`,
`surveys.invitations`)."""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from surveys import audit, invitations
from surveys.instrument_uploads import instruments_for_organization
from surveys.models import (
    HEAD_COUNTS_FIXED,
    MIN_ANONYMITY_THRESHOLD,
    HeadCount,
    InstrumentVersion,
    Side,
    ValueStream,
    Wave,
)

from .models import Action

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


# --- a wave's set-up ---------------------------------------------------------------------------

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"
# People of one value stream and side: far above any real one, and within every database's integers.
MAX_HEAD_COUNT = 1_000_000


class ValueStreamChoices(forms.ModelMultipleChoiceField):
    """Value streams by id; a posted value that is no database id at all is refused by the form,
    not handed to the database (an integer beyond its columns would fail there)."""

    def _check_values(self, value):
        for pk in value:
            text = str(pk)
            if not (text.isascii() and text.isdigit() and int(text) < 2**63):
                raise forms.ValidationError(
                    self.error_messages["invalid_pk_value"], code="invalid_pk_value", params={"pk": pk}
                )
        return super()._check_values(value)


SIDES = ("biz", "it")


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format=DATETIME_FORMAT, **kwargs)


def obvious_instrument(organization):
    """The instrument version a new wave most likely asks: the newest version of the one instrument
    the organization's waves have used (of the one instrument there is, before its first wave), or
    None when there are several to choose from. Newest as `load_instrument` made it."""
    codes = set(Wave.objects.filter(organization=organization).values_list("instrument__code", flat=True))
    offered = instruments_for_organization(organization)
    if not codes:
        codes = set(offered.values_list("code", flat=True))
    if len(codes) != 1:
        return None
    newest = offered.filter(code=codes.pop()).order_by("-created_at", "-pk").first()
    return newest.pk if newest else None


# The wave's title as respondents read it, one optional field per language (Wave.titles); the
# title itself stays the name on staff pages, reports and exports.
TITLE_FIELDS = {"en": "title_en", "de": "title_de", "fr": "title_fr"}


def _title_field(label):
    return forms.CharField(
        required=False,
        max_length=Wave._meta.get_field("title").max_length,
        label=label,
        help_text=_("Shown to respondents who answer in this language. Empty: the title above."),
    )


class WaveForm(forms.ModelForm):
    """A wave's set-up: what it asks, of whom, when, and under which threshold. Validates the rules
    of `wave_setup` (its module docstring); `wave_setup.save_wave` saves it."""

    title_en = _title_field(_("Title in English"))
    title_de = _title_field(_("Title in German"))
    title_fr = _title_field(_("Title in French"))

    value_streams = ValueStreamChoices(
        queryset=ValueStream.objects.none(), widget=forms.CheckboxSelectMultiple, label=_("Value streams")
    )
    new_value_streams = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        label=_("New value streams"),
        help_text=_("One name per line; they are created in the organization and added to this wave."),
    )
    languages = forms.MultipleChoiceField(
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=settings.LANGUAGES,  # each named in its own language
        label=_("Languages"),
        help_text=_("The languages respondents may choose. None ticked: every language of the instrument."),
    )

    class Meta:
        model = Wave
        fields = [
            "title",
            "slug",
            "instrument",
            "value_streams",
            "opens_at",
            "closes_at",
            "status",
            "interim_results",
            "anonymity_threshold",
            "languages",
            "access",
        ]
        widgets = {
            "value_streams": forms.CheckboxSelectMultiple,
            "access": forms.RadioSelect,
            "opens_at": DateTimeInput(),
            "closes_at": DateTimeInput(),
        }
        labels = {
            "title": _("Title"),
            "slug": _("Slug"),
            "instrument": _("Instrument"),
            "value_streams": _("Value streams"),
            "opens_at": _("Opens at"),
            "closes_at": _("Closes at"),
            "status": _("Status"),
            "interim_results": _("Show interim results while the wave is open"),
            "anonymity_threshold": _("Anonymity threshold"),
            "access": _("Access"),
        }
        help_texts = {
            "slug": _("In the questionnaire link: spring-2027 gives /s/spring-2027/. Letters, digits, hyphens."),
            "closes_at": _("Empty: open until closed."),
            "status": _(
                "Respondents can answer while the wave is open and between its opening and closing times. Once "
                "closed, its final results are released and it cannot be opened again: to give people more time, "
                "move the closing time before the wave closes."
            ),
            "interim_results": _(
                "Released daily and when you ask, each release adding a group's new responses once at least k have "
                "come in. Without them, results appear when the wave closes; until then, response counts only."
            ),
            "access": _(
                "Personal invitations are one-time links; the open link then shows that a personal link is needed."
            ),
        }
        error_messages = {"slug": {"unique": _("Wave with this Slug already exists.")}}

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.organization = organization
        self.instance.organization = organization
        self.fields["value_streams"].queryset = ValueStream.objects.filter(organization=organization).order_by("name")
        self.fields["value_streams"].required = False
        # The versions the organization sees (surveys/instrument_uploads.py), and the wave's own.
        self.fields["instrument"].queryset = InstrumentVersion.objects.filter(
            Q(pk__in=instruments_for_organization(organization).values("pk")) | Q(pk=self.instance.instrument_id)
        ).order_by("code", "version")
        if not self.instance.pk and "instrument" not in self.initial:
            self.initial["instrument"] = obvious_instrument(organization)
        self.fields["anonymity_threshold"].min_value = MIN_ANONYMITY_THRESHOLD
        self.fields["anonymity_threshold"].widget.attrs["min"] = MIN_ANONYMITY_THRESHOLD
        # Help texts with a number in them: put together here, in the language of the request.
        self.fields["opens_at"].help_text = gettext("In %(time_zone)s time.") % {"time_zone": settings.TIME_ZONE}
        self.fields["anonymity_threshold"].help_text = gettext(
            "Groups with fewer respondents are never shown (at least %(minimum)s)."
        ) % {"minimum": MIN_ANONYMITY_THRESHOLD}
        for code, name in TITLE_FIELDS.items():
            self.fields[name].initial = self.instance.titles.get(code, "")
        self.has_responses = bool(self.instance.pk) and self.instance.responses.exists()
        if self.instance.is_final():
            for name in ("status", "opens_at", "closes_at", "interim_results"):
                self.fields[name].disabled = True
            self.fields["status"].help_text = gettext(
                "Closed for good: the final results are released, so the wave cannot be opened again."
            )
        if self.has_responses:
            self.fields["instrument"].disabled = True
            self.fields["instrument"].help_text = gettext("Fixed: the wave has responses to this instrument's items.")
        head_counts = {hc.value_stream_id: hc for hc in self.instance.head_counts.all()} if self.instance.pk else {}
        self.head_counts = head_counts
        # As stored, not as typed: head counts set in the same save that opens a draft wave are allowed.
        self.head_counts_fixed = bool(self.instance.pk) and self.instance.has_opened()
        self.head_count_fields = []
        for stream in self.fields["value_streams"].queryset:
            current = head_counts.get(stream.pk)
            pair = []
            for side, label in zip(SIDES, ("Biz", "IT"), strict=True):  # Biz and IT in every language
                name = f"head_{side}_{stream.pk}"
                self.fields[name] = forms.IntegerField(
                    required=False,
                    min_value=0,
                    max_value=MAX_HEAD_COUNT,
                    label=gettext("%(value_stream)s: %(side)s people") % {"value_stream": stream.name, "side": label},
                    initial=getattr(current, side) if current else None,
                    disabled=self.head_counts_fixed,
                )
                pair.append(name)
            self.head_count_fields.append((stream, pair))

    def title_fields(self):
        """The per-language title fields, for the template."""
        return [self[name] for name in TITLE_FIELDS.values()]

    def title_fields_in_use(self):
        """Whether a per-language title is given or wrong: then the template shows the fields open."""
        return any(field.value() or field.errors for field in self.title_fields())

    def titles(self):
        """Wave.titles as typed: language code → title, only the languages given one."""
        typed = {code: self.cleaned_data.get(name, "").strip() for code, name in TITLE_FIELDS.items()}
        return {code: title for code, title in typed.items() if title}

    def head_count_rows(self):
        """(value stream, Biz field, IT field) for the template's head count table."""
        return [(stream, self[biz], self[it]) for stream, (biz, it) in self.head_count_fields]

    def head_counts_note(self):
        """Why the head counts cannot be changed, once they cannot."""
        return HEAD_COUNTS_FIXED if self.head_counts_fixed else ""

    def clean_anonymity_threshold(self):
        k = self.cleaned_data["anonymity_threshold"]
        if k < MIN_ANONYMITY_THRESHOLD:
            raise forms.ValidationError(
                gettext("The threshold must be at least %(minimum)s.") % {"minimum": MIN_ANONYMITY_THRESHOLD}
            )
        promised = Wave.objects.get(pk=self.instance.pk).anonymity_threshold if self.has_responses else None
        if promised is not None and k < promised:
            raise forms.ValidationError(
                gettext(
                    "The wave has responses given under a threshold of %(promised)s; "
                    "it can rise, but not fall below that."
                )
                % {"promised": promised}
            )
        return k

    def clean_new_value_streams(self):
        names = [line.strip() for line in self.cleaned_data["new_value_streams"].splitlines() if line.strip()]
        existing = set(ValueStream.objects.filter(organization=self.organization).values_list("name", flat=True))
        clashes = sorted(set(names) & existing)
        if clashes:
            raise forms.ValidationError(
                gettext("Already in the organization (tick it above instead): %(names)s.")
                % {"names": ", ".join(clashes)}
            )
        if len(set(names)) != len(names):
            raise forms.ValidationError(gettext("A name appears twice."))
        too_long = [name for name in names if len(name) > ValueStream._meta.get_field("name").max_length]
        if too_long:
            raise forms.ValidationError(gettext("Too long: %(name)s…") % {"name": too_long[0][:40]})
        return names

    def clean_languages(self):
        return list(self.cleaned_data["languages"])

    def _clean_head_counts(self, cleaned):
        """The rules of HeadCount.clean for each value stream typed in: never below the links already issued."""
        if self.head_counts_fixed:
            return
        for stream, (biz, it) in self.head_count_fields:
            stored = self.head_counts.get(stream.pk)
            counts = {"biz": cleaned.get(biz), "it": cleaned.get(it)}
            if stored is None and counts == {"biz": None, "it": None}:
                continue
            head_count = HeadCount(pk=getattr(stored, "pk", None), wave=self.instance, value_stream=stream, **counts)
            try:
                head_count.clean()
            except ValidationError as error:
                by_field = error.message_dict if hasattr(error, "error_dict") else {"biz": error.messages}
                for side, messages in by_field.items():
                    for message in messages:
                        self.add_error({"biz": biz, "it": it}[side], message)

    def clean(self):
        cleaned = super().clean()
        self._clean_head_counts(cleaned)
        instrument = cleaned.get("instrument") or (self.instance.instrument if self.has_responses else None)
        languages = cleaned.get("languages") or []
        if instrument is not None:
            missing = [code for code in languages if code not in instrument.languages]
            if missing:
                message = gettext("The instrument has no texts in: %(languages)s.") % {"languages": ", ".join(missing)}
                self.add_error("languages", message)
        if not cleaned.get("value_streams") and not cleaned.get("new_value_streams"):
            self.add_error("value_streams", gettext("Choose at least one value stream, or name a new one."))
        opens, closes = cleaned.get("opens_at"), cleaned.get("closes_at")
        if opens and closes and closes <= opens:
            self.add_error("closes_at", gettext("The wave must close after it opens."))
        return cleaned

    def audit_changes(self, created):
        """What the set-up changes, for the audit log: each field from what to what, head counts per group."""
        head_counts = {}
        for stream, pair in self.head_count_fields:
            head_counts.update({name: (stream, side) for side, name in zip(SIDES, pair, strict=True)})
        names = [name for name in (self.fields if created else self.changed_data) if name not in head_counts]
        changes = audit.form_changes(self, names, created=created)
        for name in self.changed_data:
            if name in head_counts:
                stream, side = head_counts[name]
                old, new = None if created else self[name].initial, self.cleaned_data.get(name)
                if old != new:
                    change = {"field": "head_count", "value_stream": stream.name, "side": side}
                    changes.append({**change, "old": old, "new": new})
        return changes


class ActionForm(forms.ModelForm):
    """An action of a value stream's plan: what, for which theme (optional), owner, due date, status."""

    theme_code = forms.ChoiceField(label=_("Theme"), required=False)

    class Meta:
        model = Action
        fields = ["what", "theme_code", "owner", "due_on", "status"]
        labels = {"what": _("What"), "owner": _("Owner"), "due_on": _("Due date"), "status": _("Status")}
        help_texts = {"owner": _("A person, a role or a team.")}
        widgets = {"due_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def __init__(self, *args, themes, **kwargs):
        """`themes`: (code, name) of the wave's instrument."""
        super().__init__(*args, **kwargs)
        self.fields["theme_code"].choices = [("", _("(no theme)")), *themes]
