from django import forms
from django.contrib import admin, messages
from django.db.models import Count

from . import audit, invitations
from .closing import close_wave
from .models import (
    Answer,
    AuditEntry,
    Dimension,
    Draft,
    HeadCount,
    InstrumentVersion,
    Invitation,
    Item,
    Organization,
    Release,
    Response,
    Theme,
    ValueStream,
    Wave,
    pick_language,
)


class DimensionInline(admin.TabularInline):
    model = Dimension
    extra = 0
    fields = ["order", "code", "name", "category"]


@admin.register(InstrumentVersion)
class InstrumentVersionAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "version",
        "title_text",
        "scale_min",
        "scale_max",
        "allows_not_applicable",
        "item_count",
        "has_responses",
    ]
    list_filter = ["code", "allows_not_applicable"]
    search_fields = ["code", "version", "title"]
    inlines = [DimensionInline]
    # Who sees the version: none ticked, every organization (surveys/instrument_uploads.py).
    filter_horizontal = ["organizations"]
    readonly_fields = ["uploaded_by"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(item_total=Count("items"))

    @admin.display(description="items", ordering="item_total")
    def item_count(self, instrument):
        return instrument.item_total

    @admin.display(description="title")
    def title_text(self, instrument):
        return instrument.title_text

    def get_readonly_fields(self, request, obj=None):
        # A version with responses is frozen: its scale must not change under stored answers.
        if obj is not None and obj.has_responses():
            return ["code", "version", "scale_min", "scale_max", "scale_labels", "allows_not_applicable"]
        return []


class ThemeInline(admin.TabularInline):
    model = Theme
    extra = 0
    fields = ["order", "code", "name", "instrument"]


@admin.register(Dimension)
class DimensionAdmin(admin.ModelAdmin):
    list_display = ["code", "name_text", "category", "instrument", "order"]
    list_filter = ["instrument", "category"]
    search_fields = ["code", "name"]
    inlines = [ThemeInline]


class ItemInline(admin.TabularInline):
    model = Item
    extra = 0
    fields = ["order", "code", "text", "reverse", "instrument"]


@admin.register(Theme)
class ThemeAdmin(admin.ModelAdmin):
    list_display = ["code", "name_text", "dimension", "instrument", "order"]
    list_filter = ["instrument", "dimension__category"]
    search_fields = ["code", "name"]
    list_select_related = ["dimension", "instrument"]
    inlines = [ItemInline]


@admin.register(Item)
class ItemAdmin(admin.ModelAdmin):
    list_display = ["code", "short_text", "theme", "reverse", "instrument"]
    list_filter = ["instrument", "theme", "reverse"]
    search_fields = ["code", "text"]
    list_select_related = ["theme", "instrument"]

    @admin.display(description="text")
    def short_text(self, item):
        return pick_language(item.text)[:90]


# Names as respondents read them, per language (the models' `names` and `titles`); `name` and
# `title` stay the ones of staff pages, reports and exports. One optional field per language,
# named as on the wave's set-up page (title_de, ...), so the audit log labels them alike.
LANGUAGE_NAMES = {"en": "English", "de": "German", "fr": "French"}


class PerLanguageForm(forms.ModelForm):
    """Fields `<canonical>_<language>` that edit the model's JSON field `mapping`; see per_language_form."""

    canonical = mapping = ""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for code in LANGUAGE_NAMES:
            self.fields[f"{self.canonical}_{code}"].initial = getattr(self.instance, self.mapping).get(code, "")

    def save(self, commit=True):
        typed = {code: self.cleaned_data.get(f"{self.canonical}_{code}", "").strip() for code in LANGUAGE_NAMES}
        setattr(self.instance, self.mapping, {code: text for code, text in typed.items() if text})
        return super().save(commit)


def per_language_form(canonical, mapping):
    """A PerLanguageForm for the model field `canonical` (name, title) and its mapping (names, titles)."""
    fields = {
        f"{canonical}_{code}": forms.CharField(
            required=False,
            max_length=200,
            label=f"{canonical} in {language}",
            help_text=f"Shown to respondents in {language}; empty: the {canonical}.",
        )
        for code, language in LANGUAGE_NAMES.items()
    }
    return type(PerLanguageForm)(
        f"{canonical.title()}PerLanguageForm",
        (PerLanguageForm,),
        {"canonical": canonical, "mapping": mapping, "__module__": __name__, **fields},
    )


NamesForm = per_language_form("name", "names")
NAME_FIELDS = [f"name_{code}" for code in LANGUAGE_NAMES]


class ValueStreamInline(admin.TabularInline):
    model = ValueStream
    form = NamesForm
    fields = ["name", *NAME_FIELDS]
    extra = 0


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    form = NamesForm
    fields = ["name", *NAME_FIELDS]
    list_display = ["name", "value_stream_count"]
    search_fields = ["name", "value_streams__name"]
    inlines = [ValueStreamInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(value_stream_total=Count("value_streams"))

    @admin.display(description="value streams", ordering="value_stream_total")
    def value_stream_count(self, organization):
        return organization.value_stream_total


@admin.register(ValueStream)
class ValueStreamAdmin(admin.ModelAdmin):
    form = NamesForm
    fields = ["organization", "name", *NAME_FIELDS]
    list_display = ["name", "organization"]
    list_filter = ["organization"]
    search_fields = ["name", "organization__name"]


class HeadCountInline(admin.TabularInline):
    """Read-only once the wave has opened: head counts bound the personal links of each group (see HeadCount)."""

    model = HeadCount
    extra = 0
    fields = ["value_stream", "biz", "it", "biz_links", "it_links"]
    readonly_fields = ["biz_links", "it_links"]
    verbose_name_plural = (
        "expected head count per value stream (for response rates, and the most personal links per side; "
        "fixed once the wave has opened)"
    )

    def _fixed(self, wave):
        # The wave as stored: the one being edited may carry the posted status already.
        return wave is not None and wave.pk is not None and Wave.objects.get(pk=wave.pk).has_opened()

    def has_add_permission(self, request, obj=None):
        return not self._fixed(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return not self._fixed(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not self._fixed(obj) and super().has_delete_permission(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        wave = getattr(request, "_wave_being_edited", None)
        if db_field.name == "value_stream" and wave is not None:
            kwargs["queryset"] = wave.organization.value_streams.all()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Wave)
class WaveAdmin(admin.ModelAdmin):
    form = per_language_form("title", "titles")
    exclude = ["titles"]  # edited through the form's title_en, title_de, title_fr
    inlines = [HeadCountInline]
    list_display = [
        "title",
        "slug",
        "organization",
        "instrument",
        "status",
        "opens_at",
        "closes_at",
        "anonymity_threshold",
        "response_count",
    ]
    list_filter = ["status", "organization", "instrument"]
    search_fields = ["title", "slug", "organization__name"]
    prepopulated_fields = {"slug": ["title"]}
    filter_horizontal = ["value_streams"]
    date_hierarchy = "opens_at"
    list_select_related = ["organization", "instrument"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(response_total=Count("responses"))

    def get_form(self, request, obj=None, **kwargs):
        request._wave_being_edited = obj  # lets the head count inline offer this organization's streams only
        return super().get_form(request, obj, **kwargs)

    def save_related(self, request, form, formsets, change):
        """Save the inlines, then log what changed, the head counts of the inline included."""
        super().save_related(request, form, formsets, change)
        changes = audit.form_changes(form, form.changed_data if change else list(form.fields), created=not change)
        for formset in formsets:
            if formset.model is HeadCount:
                changes += _head_count_changes(formset)
        wave = form.instance
        if changes or not change:
            action = "wave_changed" if change else "wave_created"
            audit.record(
                action, organization=wave.organization, wave=wave, user=request.user, changes=changes, channel="admin"
            )
        if wave.status == Wave.Status.CLOSED:  # as in the set-up page: the final release, and erasing, now
            close_wave(wave, user=request.user)

    @admin.display(description="responses", ordering="response_total")
    def response_count(self, wave):
        return wave.response_total


def _head_count_changes(formset):
    """The head counts an inline formset added, changed or deleted, as the audit log keeps them."""
    changes = []
    for form in formset.forms:
        if not form.has_changed() and form not in formset.deleted_forms:
            continue
        stream = form.cleaned_data.get("value_stream") or form.instance.value_stream
        deleted, added = form in formset.deleted_forms, not form.initial
        for side in ("biz", "it"):
            old = None if added else form.initial.get(side)
            new = None if deleted else form.cleaned_data.get(side)
            if old != new:
                group = {"field": "head_count", "value_stream": str(stream), "side": side}
                changes.append({**group, "old": old, "new": new})
    return changes


class ReadOnly:
    """For records nobody types or edits in the admin: they are shown, never added, changed or deleted."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AdministratorsOnly:
    """For the admin pages of what respondents gave and who was invited: administrators
    (superusers) only, whatever permissions a staff user was given. Single responses, answers and
    drafts are what the anonymity rules keep from everyone else; a staff change manager could
    otherwise read a hidden group's answers here, or watch single invitations disappear as their
    people answer."""

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request):
        return self.has_view_permission(request) and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        return self.has_view_permission(request, obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self.has_view_permission(request, obj) and super().has_delete_permission(request, obj)

    def has_module_permission(self, request):
        return self.has_view_permission(request)


class AnswerInline(admin.TabularInline):
    model = Answer
    extra = 0
    fields = ["item", "value"]
    readonly_fields = ["item", "value"]
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Response)
class ResponseAdmin(AdministratorsOnly, admin.ModelAdmin):
    list_display = ["pk", "wave", "value_stream", "side", "role", "tenure_band", "submitted_on"]
    list_filter = ["wave", "side", "value_stream", "role", "tenure_band"]
    search_fields = ["wave__title", "value_stream__name"]
    list_select_related = ["wave", "value_stream"]
    readonly_fields = ["wave", "value_stream", "side", "role", "tenure_band", "submitted_on"]
    inlines = [AnswerInline]

    def has_add_permission(self, request):
        return False  # responses come from respondents or an import, never typed in


@admin.register(Release)
class ReleaseAdmin(ReadOnly, admin.ModelAdmin):
    """The releases of every wave, read-only: what each holds is decided by surveys/releases.py."""

    list_display = ["wave", "number", "kind", "created_at", "responses", "withheld"]
    list_filter = ["kind", "wave__organization"]
    list_select_related = ["wave"]
    readonly_fields = list_display


@admin.register(Answer)
class AnswerAdmin(AdministratorsOnly, admin.ModelAdmin):
    list_display = ["response", "item", "value"]
    list_filter = ["item__instrument", "item__theme"]
    search_fields = ["item__code"]
    list_select_related = ["response__value_stream", "item"]
    readonly_fields = ["response", "item", "value"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # an answer goes only with its response (and its answer codes)


@admin.register(Draft)
class DraftAdmin(AdministratorsOnly, admin.ModelAdmin):
    list_display = ["wave", "updated_on"]
    list_filter = ["wave"]
    fields = ["wave", "updated_on"]  # the answers of an unsubmitted questionnaire stay private
    readonly_fields = ["wave", "updated_on"]


@admin.register(Invitation)
class InvitationAdmin(AdministratorsOnly, admin.ModelAdmin):
    """Read-only: links are made on the invitations page or by `manage.py invite` (the token
    exists only in the link handed out).

    Only unused and revoked invitations are listed: a used invitation is deleted in the
    transaction that stores its response, so nothing here leads to anyone's answers. But an
    invitation missing from the list, or an address not found, says that someone has answered:
    so this page is for administrators only (change managers revoke per value stream and side on
    the invitations page, which shows counts only).
    """

    list_display = ["pk", "wave", "value_stream", "side", "created_on", "revoked_on", "by_email"]
    list_filter = ["wave", ("revoked_on", admin.EmptyFieldListFilter), "side", "value_stream"]
    # Exact match only: find one person's invitation to revoke it, without listing addresses.
    search_fields = ["=email"]
    list_select_related = ["wave", "value_stream"]
    fields = ["wave", "value_stream", "side", "created_on", "revoked_on", "by_email"]
    readonly_fields = fields
    actions = ["revoke_selected"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # nothing to edit: the only change an invitation takes is being revoked

    def has_revoke_permission(self, request):
        return request.user.has_perm("surveys.change_invitation")

    @admin.display(description="sent by e-mail, not yet revoked", boolean=True)
    def by_email(self, invitation):
        return bool(invitation.email)

    @admin.action(description="Revoke the selected invitations (their links stop working)", permissions=["revoke"])
    def revoke_selected(self, request, queryset):
        selected = queryset.count()
        revoked = invitations.revoke_invitations(queryset, user=request.user)
        skipped = selected - revoked
        self.message_user(request, f"Revoked {revoked} invitations.", messages.SUCCESS)
        if skipped:
            self.message_user(
                request,
                f"{skipped} were already revoked, or were used meanwhile, and are unchanged.",
                messages.WARNING,
            )


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnly, AdministratorsOnly, admin.ModelAdmin):
    """The audit log: for administrators to read; nobody adds, changes or deletes an entry."""

    list_display = ["created_at", "organization", "wave_slug", "actor", "action", "details"]
    list_filter = ["action", "organization", "created_at"]
    search_fields = ["actor", "wave_slug"]
    date_hierarchy = "created_at"
    list_select_related = ["organization"]
