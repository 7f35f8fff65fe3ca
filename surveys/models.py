"""What AlignSurvey collects: instruments, organizations, waves, responses and answers; and the
audit log of what staff did with them.

The instrument follows the paper's Gioia structure: items → 2nd-order themes → aggregate
dimensions, each dimension tied to an operational-alignment category. Texts are stored per
language as a mapping ``{"en": "...", "de": "..."}``.

A response carries only what the analysis needs (value stream, side, optional role and tenure
band, the day of submission) and nothing that links it to a person or an invitation.
"""

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext_lazy as _

MIN_ANONYMITY_THRESHOLD = 3
DEFAULT_ANONYMITY_THRESHOLD = 5
# Scale points must lie within ±SCALE_VALUE_LIMIT; a scale has 2 to 11 points.
SCALE_VALUE_LIMIT = 100
# "Not applicable" wherever an answer is text: the questionnaire's choice and its drafts, imported
# and exported files. Stored, it is an answer row without a value (and code 1 of answer_codes.py).
NOT_APPLICABLE = "NA"
MIN_SCALE_POINTS = 2
MAX_SCALE_POINTS = 11
HEAD_COUNTS_FIXED = _(
    "Fixed: the wave has opened. Links for a value stream and side are limited to its head count, "
    "so it cannot change once people may have answered."
)


def pick_language(texts, language=None):
    """The text of a per-language mapping in `language`, else English, else any language."""
    if not texts:
        return ""
    if isinstance(texts, str):
        return texts
    language = (language or get_language() or "en").split("-")[0]
    return texts.get(language) or texts.get("en") or next(iter(texts.values()))


class Category(models.TextChoices):
    """Operational-alignment categories of the strategic alignment model."""

    SKILLS = "skills", _("Skills")
    PROCESSES = "processes", _("Processes")
    INFRASTRUCTURE = "infrastructure", _("Infrastructure")


class Side(models.TextChoices):
    BIZ = "biz", _("Business")
    IT = "it", _("IT")


class Role(models.TextChoices):
    """Role families of respondents, broad enough that a role alone never names a person."""

    EXECUTIVE = "executive", _("Executive or head of unit")
    CHANGE = "change", _("Change or transformation management")
    VALUE_STREAM_LEAD = "vs_lead", _("Value stream leader or product manager")
    PRODUCT_OWNER = "po_sm", _("Product owner or scrum master")
    PROJECT_LEAD = "project_lead", _("Project leader")
    TEAM_MEMBER = "team_member", _("Team member (development, analysis, operations)")
    BUSINESS_EXPERT = "business_expert", _("Business expert or user")
    OTHER = "other", _("Other")


class TenureBand(models.TextChoices):
    """Years in the organization, in bands: the exact number of years is never stored."""

    UNDER_1 = "lt1", _("Less than 1 year")
    FROM_1_TO_3 = "1-3", _("1 to 3 years")
    FROM_3_TO_5 = "3-5", _("3 to 5 years")
    FROM_5_TO_10 = "5-10", _("5 to 10 years")
    OVER_10 = "10+", _("More than 10 years")

    @classmethod
    def for_years(cls, years):
        """The band of a tenure in years (lower bound inclusive)."""
        if years < 1:
            return cls.UNDER_1
        if years < 3:
            return cls.FROM_1_TO_3
        if years < 5:
            return cls.FROM_3_TO_5
        if years < 10:
            return cls.FROM_5_TO_10
        return cls.OVER_10


def new_revision():
    return secrets.token_hex(16)


class InstrumentVersion(models.Model):
    """One version of a questionnaire. A version that has responses is frozen.

    `revision` is new whenever the instrument or any of its dimensions, themes or items is
    saved or deleted (`save` here; the receivers in surveys/questionnaire.py for the rest), so
    whatever is derived from the tree can be kept per revision: the questionnaire's pages are.
    Random rather than counted, so a revision never comes back, not even when a rolled-back
    transaction hands out the same primary key again. A queryset `update()` or `bulk_create()`
    on the tree sends no signal: call `renew_revision()` after it (load_instrument does).
    """

    code = models.SlugField(max_length=50)
    version = models.CharField(max_length=20)
    title = models.JSONField(default=dict, help_text="Title per language code.")
    languages = models.JSONField(default=list, help_text="Language codes the texts exist in.")
    scale_min = models.SmallIntegerField(default=1)
    scale_max = models.SmallIntegerField(default=5)
    scale_labels = models.JSONField(
        default=dict, help_text='Label per scale point: {"1": {"en": "Strongly disagree"}, ...}'
    )
    allows_not_applicable = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    revision = models.CharField(max_length=32, default=new_revision, editable=False)
    # Who sees the instrument (the Instruments page, the wave set-up): none listed, every
    # organization (the built-in one, a file loaded by the command or uploaded by an administrator);
    # else the organizations listed, those where its uploader is a researcher (surveys/instrument_uploads.py).
    organizations = models.ManyToManyField(
        "Organization",
        blank=True,
        related_name="instruments",
        help_text="The organizations that see this instrument; none: every organization.",
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["code", "version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="unique_instrument_version"),
            models.CheckConstraint(condition=Q(scale_max__gt=models.F("scale_min")), name="scale_max_above_min"),
        ]

    def __str__(self):
        return f"{self.code} v{self.version}"

    def save(self, *args, **kwargs):
        # Always a new revision: saving an instance read before its tree changed must not bring
        # back the revision the tree had then.
        self.revision = new_revision()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "revision"}
        super().save(*args, **kwargs)

    def renew_revision(self):
        """Give the instrument a new revision, in the database and on this instance."""
        self.revision = new_revision()
        InstrumentVersion.objects.filter(pk=self.pk).update(revision=self.revision)

    @property
    def title_text(self):
        return pick_language(self.title)

    @property
    def scale_points(self):
        return list(range(self.scale_min, self.scale_max + 1))

    def scale_label(self, point, language=None):
        return pick_language(self.scale_labels.get(str(point)), language) or str(point)

    def has_responses(self):
        return Response.objects.filter(wave__instrument=self).exists()

    has_responses.boolean = True

    def ordered_items(self):
        """Items in questionnaire order: by dimension, theme, then item order."""
        return (
            Item.objects.filter(theme__dimension__instrument=self)
            .select_related("theme__dimension")
            .order_by("theme__dimension__order", "theme__order", "order")
        )


class Dimension(models.Model):
    instrument = models.ForeignKey(InstrumentVersion, on_delete=models.CASCADE, related_name="dimensions")
    code = models.CharField(max_length=30)
    name = models.JSONField(default=dict)
    category = models.CharField(max_length=20, choices=Category.choices, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["instrument", "order"]
        constraints = [
            models.UniqueConstraint(fields=["instrument", "code"], name="unique_dimension_code"),
        ]

    def __str__(self):
        return f"{self.code} — {pick_language(self.name)}"

    @property
    def name_text(self):
        return pick_language(self.name)


# The longest text of an action on an action plan; a practice an instrument suggests becomes one,
# so the instrument file's practices are held to it too.
ACTION_TEXT_MAX_LENGTH = 300


class Theme(models.Model):
    dimension = models.ForeignKey(Dimension, on_delete=models.CASCADE, related_name="themes")
    # Repeated from the dimension so the database can keep theme codes unique per instrument.
    instrument = models.ForeignKey(InstrumentVersion, on_delete=models.CASCADE, related_name="themes")
    code = models.CharField(max_length=30)
    name = models.JSONField(default=dict)
    description = models.JSONField(default=dict, blank=True)
    # Practices that strengthen the theme, suggested as actions when a change manager makes it a
    # focus theme: a list, each a text or a mapping of language code to text (the instrument file's).
    practices = models.JSONField(default=list, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["instrument", "dimension__order", "order"]
        constraints = [
            models.UniqueConstraint(fields=["instrument", "code"], name="unique_theme_code"),
        ]

    def __str__(self):
        return f"{self.code} — {pick_language(self.name)}"

    @property
    def name_text(self):
        return pick_language(self.name)


class Item(models.Model):
    theme = models.ForeignKey(Theme, on_delete=models.CASCADE, related_name="items")
    # Repeated from the theme so the database can keep item codes unique per instrument.
    instrument = models.ForeignKey(InstrumentVersion, on_delete=models.CASCADE, related_name="items")
    code = models.CharField(max_length=30)
    text = models.JSONField(default=dict)
    reverse = models.BooleanField(default=False, help_text="Reverse-worded: agreement means low alignment.")
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["instrument", "theme__dimension__order", "theme__order", "order"]
        constraints = [
            models.UniqueConstraint(fields=["instrument", "code"], name="unique_item_code"),
        ]

    def __str__(self):
        return self.code

    @property
    def text_in_language(self):
        return pick_language(self.text)


def in_language(texts, canonical, language=None):
    """A name as a respondent reads it: from the per-language mapping `texts` in `language` (by
    default the active one), else the canonical name that staff pages, reports and exports use."""
    language = (language or get_language() or "").split("-")[0]
    return (texts or {}).get(language) or canonical


class Organization(models.Model):
    name = models.CharField(max_length=200, unique=True)
    names = models.JSONField(
        default=dict, blank=True, help_text="The name per language code, as respondents read it; empty: the name."
    )

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def localized_name(self):
        """The name in the active language (respondent pages, e-mails); staff pages keep `name`."""
        return in_language(self.names, self.name)


class ValueStream(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="value_streams")
    name = models.CharField(max_length=200)
    names = models.JSONField(
        default=dict, blank=True, help_text="The name per language code, as respondents read it; empty: the name."
    )

    class Meta:
        ordering = ["organization", "name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="unique_value_stream_name"),
        ]

    def __str__(self):
        return self.name

    @property
    def localized_name(self):
        """The name in the active language (respondent pages, e-mails); staff pages keep `name`."""
        return in_language(self.names, self.name)


class WaveQuerySet(models.QuerySet):
    def open(self, now=None):
        """Waves that accept responses right now."""
        now = now or timezone.now()
        return self.filter(status=Wave.Status.OPEN, opens_at__lte=now).filter(
            Q(closes_at__isnull=True) | Q(closes_at__gt=now)
        )


class Wave(models.Model):
    """One round of the questionnaire in one organization."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    class Access(models.TextChoices):
        OPEN = "open", _("Open link: anyone with the wave's link can answer")
        INVITATION = "invitation", _("Personal invitations only: one-time links per person")

    slug = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=200)
    titles = models.JSONField(
        default=dict, blank=True, help_text="The title per language code, as respondents read it; empty: the title."
    )
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="waves")
    # PROTECT: an instrument that waves were run on must never vanish under their responses.
    instrument = models.ForeignKey(InstrumentVersion, on_delete=models.PROTECT, related_name="waves")
    value_streams = models.ManyToManyField(ValueStream, related_name="waves")
    opens_at = models.DateTimeField(default=timezone.now)
    closes_at = models.DateTimeField(null=True, blank=True, help_text="Empty: open until closed.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    access = models.CharField(
        max_length=10,
        choices=Access.choices,
        default=Access.OPEN,
        help_text="Personal invitations are one-time links; the open link then shows that a personal link is needed.",
    )
    languages = models.JSONField(
        default=list, blank=True, help_text="Languages offered to respondents; empty: every language of the instrument."
    )
    anonymity_threshold = models.PositiveSmallIntegerField(
        default=DEFAULT_ANONYMITY_THRESHOLD,
        help_text=f"Groups with fewer respondents are never shown (at least {MIN_ANONYMITY_THRESHOLD}).",
    )
    interim_results = models.BooleanField(
        default=False,
        help_text=(
            "Release interim results while the wave is open (daily, or when a change manager asks), "
            "each adding at least k new responses to a group. Off: results appear when the wave closes."
        ),
    )

    objects = WaveQuerySet.as_manager()

    class Meta:
        ordering = ["-opens_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(anonymity_threshold__gte=MIN_ANONYMITY_THRESHOLD),
                name="anonymity_threshold_at_least_3",
            ),
            models.CheckConstraint(
                condition=Q(closes_at__isnull=True) | Q(closes_at__gt=models.F("opens_at")),
                name="wave_closes_after_it_opens",
            ),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        if self.status != self.Status.CLOSED and self.is_final():  # whatever bypassed clean()
            raise ValueError(f'The wave "{self}" has its final results released: it cannot be opened again.')
        super().save(*args, **kwargs)

    def clean(self):
        super().clean()
        if self.status != self.Status.CLOSED and self.is_final():
            raise ValidationError(
                {
                    "status": _(
                        "This wave's final results are released, so it stays closed: opening it again would let "
                        "a few more people answer, and comparing the results would single them out."
                    )
                }
            )

    @property
    def localized_title(self):
        """The title in the active language (respondent pages, e-mails); staff pages keep `title`."""
        return in_language(self.titles, self.title)

    def is_final(self):
        """Closed for good: the wave has its final release (surveys/releases.py), so it never reopens.

        Reopening would let more responses in, and the next release would differ from the final
        one by whoever answered in between: a few people, perhaps one.
        """
        return self.pk is not None and self.releases.filter(kind=Release.Kind.FINAL).exists()

    def offered_languages(self):
        """The language codes a respondent may choose, in the wave's order; the first is the wave's own.

        The wave's own list, else every language of its instrument; only languages that both the
        instrument's texts and the interface (settings.LANGUAGES) have, so a page never mixes two.
        """
        interface = [code for code, _name in settings.LANGUAGES]
        instrument = [code for code in self.instrument.languages or interface if code in interface]
        chosen = [code for code in self.languages if code in instrument]
        return chosen or instrument or [settings.LANGUAGE_CODE]

    def has_opened(self, now=None):
        """Whether the wave has opened: it is no longer a draft and its opening time has passed.

        From then on people may have answered, so what bounds the links for a group — its head
        count — is fixed: raised later, it would let a change manager make links for a small
        group and fill it with answers of their own (see HeadCount).
        """
        now = now or timezone.now()
        return self.status != self.Status.DRAFT and self.opens_at <= now

    def availability(self, now=None):
        """'open', 'not_yet_open' or 'closed' for a respondent arriving at `now`."""
        now = now or timezone.now()
        if self.status == self.Status.CLOSED or (self.closes_at and now >= self.closes_at):
            return "closed"
        if self.status == self.Status.DRAFT or now < self.opens_at:
            return "not_yet_open"
        return "open"


class HeadCount(models.Model):
    """How many people of a value stream, per side, were asked to answer a wave: the base of its
    response rates, and the bound on the personal links made for that group.

    Without a bound, a change manager could make k − 1 links for a group that has one real
    respondent, answer them, and read the victim's answers off the group's shown figures by
    subtraction. So `biz_links` and `it_links` count every link ever issued for the group (for a
    mail merge or e-mailed; used ones included — their invitations are deleted — and revoked ones
    too, or revoking and making new ones would give links without end), never more than the head
    count (the database refuses it), and head counts are fixed once the wave has opened. Only
    links the mail server never took give their place back: they reached nobody.
    `surveys.invitations` counts them with a conditional UPDATE, so concurrent requests cannot
    pass the bound.
    """

    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="head_counts")
    value_stream = models.ForeignKey(ValueStream, on_delete=models.CASCADE, related_name="head_counts")
    biz = models.PositiveIntegerField(null=True, blank=True, verbose_name="Biz people")
    it = models.PositiveIntegerField(null=True, blank=True, verbose_name="IT people")
    biz_links = models.PositiveIntegerField(default=0, editable=False, verbose_name="Biz links issued")
    it_links = models.PositiveIntegerField(default=0, editable=False, verbose_name="IT links issued")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["wave", "value_stream"], name="one_head_count_per_stream"),
            models.CheckConstraint(
                condition=Q(biz__isnull=True, biz_links=0) | Q(biz__isnull=False, biz_links__lte=models.F("biz")),
                name="biz_links_within_head_count",
            ),
            models.CheckConstraint(
                condition=Q(it__isnull=True, it_links=0) | Q(it__isnull=False, it_links__lte=models.F("it")),
                name="it_links_within_head_count",
            ),
        ]

    def __str__(self):
        return f"{self.value_stream}: Biz {self.biz}, IT {self.it}"

    def clean(self):
        """Refuse a change once the wave has opened, and a head count below the links already issued.

        Both are judged from what is stored, not from this instance's wave: a form that opens a
        draft wave may set its head counts in the same save. (A check here rather than in save():
        the demo data set head counts on an open wave after its synthetic answers, with no links.)
        """
        stored = HeadCount.objects.filter(pk=self.pk).first() if self.pk else None
        wave = Wave.objects.filter(pk=self.wave_id).first()
        changed = stored is None or (stored.value_stream_id, stored.biz, stored.it) != (
            self.value_stream_id,
            self.biz,
            self.it,
        )
        if changed and wave is not None and wave.has_opened():
            raise ValidationError(HEAD_COUNTS_FIXED)
        errors = {}
        for side, label in (("biz", "Biz"), ("it", "IT")):
            issued = getattr(stored, f"{side}_links", 0)
            wanted = getattr(self, side)
            if issued and (wanted is None or wanted < issued):
                errors[side] = ngettext(
                    "%(issued)s link was issued for %(side)s already: the head count cannot be less.",
                    "%(issued)s links were issued for %(side)s already: the head count cannot be less.",
                    issued,
                ) % {"issued": issued, "side": label}
        if errors:
            raise ValidationError(errors)

    @property
    def people(self):
        """Biz and IT together, or None when neither is set."""
        sides = [n for n in (self.biz, self.it) if n is not None]
        return sum(sides) if sides else None


class InvitationQuerySet(models.QuerySet):
    def unused(self):
        """Invitations that can still be answered: not revoked. (A used invitation no longer exists.)"""
        return self.filter(revoked_on__isnull=True)


class Invitation(models.Model):
    """A one-time link to a wave for one person of a value stream and side.

    Only the token's hash is stored, so the link exists only in the CSV or e-mail it was handed
    out in. An invitation is either unused or revoked: submitting with it deletes the row in the
    transaction that stores the response, so no row is left that could point from an invitation
    to a response — not even, on PostgreSQL, through the id of the transaction that last wrote
    it (the hidden column xmin). The e-mail address is kept only while reminders may be needed:
    it is erased when the invitation is revoked (the database refuses anything else). A Response
    never refers to an invitation, and both store days, never times.
    """

    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="invitations")
    value_stream = models.ForeignKey(ValueStream, on_delete=models.CASCADE, related_name="invitations")
    side = models.CharField(max_length=3, choices=Side.choices)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_on = models.DateField(default=timezone.localdate, editable=False)
    revoked_on = models.DateField(null=True, blank=True, editable=False)
    email = models.EmailField(blank=True, help_text="Only for invitations sent by e-mail, until revoked.")

    objects = InvitationQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["wave", "revoked_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(revoked_on__isnull=True) | Q(email=""),
                name="invitation_email_erased_once_revoked",
            ),
        ]

    def __str__(self):
        return f"Invitation {self.pk} ({self.value_stream}, {self.get_side_display()}, {self.state})"

    @property
    def state(self):
        """Either "unused" or "revoked": a used invitation is deleted when its answers are submitted."""
        return "revoked" if self.revoked_on else "unused"

    @property
    def draft_key(self):
        """The Draft of an invitation is keyed by it, not by a browser: any device with the link resumes."""
        return f"inv-{self.pk}"


class InvitedAddress(models.Model):
    """An address that has been sent a link to a wave, kept as a keyed hash after its invitation is gone.

    Submitting deletes the invitation with its address (see Invitation), so without this a change
    manager who sends the wave to the same address again would hand that person a second link,
    and the page's "already invited" would tell who has answered. A row is written when the link
    is sent, never at submission, so it says nothing about answering. It stays when the invitation
    is revoked (forgetting only the addresses whose invitations could be revoked, the unused ones,
    would single out those who answered), until the wave closes; only a link that the mail server
    never took is forgotten at once, since nobody can have answered with it.
    """

    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="invited_addresses")
    address_hash = models.CharField(max_length=64, editable=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["wave", "address_hash"], name="address_invited_once_per_wave")]

    def __str__(self):
        return f"Address invited to {self.wave}"


class Release(models.Model):
    """A frozen set of a wave's responses: every figure, chart, file and export is computed from one.

    Releases of a wave are numbered 1, 2, … and cumulative: release n holds the responses whose
    `Response.released_in` is at most n. The first holds every response of the wave at that
    moment; each later one adds, per value stream and side, either nothing or at least k
    responses (surveys/releases.py), so no two releases anyone can see differ by fewer than k
    people in any group. An interim release is made while the wave is open (only if the wave
    shows interim results); the final release when it closes, after which it never reopens.
    """

    class Kind(models.TextChoices):
        INTERIM = "interim", _("Interim")
        FINAL = "final", _("Final")

    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="releases")
    number = models.PositiveIntegerField()
    kind = models.CharField(max_length=10, choices=Kind.choices)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    responses = models.PositiveIntegerField(help_text="Responses in the release, all groups together.")
    withheld = models.PositiveIntegerField(
        default=0,
        help_text=(
            "Final release: responses that came after the last interim release in groups where fewer than k "
            "did; they could never be added to a release, so they were deleted."
        ),
    )

    class Meta:
        ordering = ["wave", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["wave", "number"], name="one_release_number_per_wave"),
            models.UniqueConstraint(fields=["wave"], condition=Q(kind="final"), name="one_final_release_per_wave"),
        ]

    def __str__(self):
        return f"{self.wave} release {self.number} ({self.kind})"


# Random, never counted: an id that grows with every response would tell in which order people
# answered (and, beside the day of submission, roughly when). 62 random bits above 2^62, so no
# random id meets an id from before (those are small) and collisions are negligible.
RESPONSE_ID_FLOOR = 1 << 62


def new_response_id():
    return RESPONSE_ID_FLOOR | secrets.randbits(62)


class RandomIdField(models.BigIntegerField):
    """A 64-bit primary key that SQLite keeps as the row's own id (INTEGER PRIMARY KEY).

    Declared "bigint", a primary key is a second, separate index in SQLite: every lookup by id
    would pass through both, and no other index could hand rows over in id order.
    """

    def db_type(self, connection):
        return "integer" if connection.vendor == "sqlite" else super().db_type(connection)


class Response(models.Model):
    """One respondent's submitted questionnaire. Deliberately carries nothing personal."""

    id = RandomIdField(primary_key=True, default=new_response_id, editable=False)
    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="responses")
    value_stream = models.ForeignKey(ValueStream, on_delete=models.PROTECT, related_name="responses")
    side = models.CharField(max_length=3, choices=Side.choices)
    role = models.CharField(max_length=20, choices=Role.choices, blank=True)
    tenure_band = models.CharField(max_length=5, choices=TenureBand.choices, blank=True)
    # The day only: a finer time could be matched against who was seen at their desk when.
    submitted_on = models.DateField()
    # The answers again, one byte per item (see surveys/answer_codes.py): how every figure, page
    # and export reads a release fast. Written with the answer rows by every writer, never empty.
    answer_codes = models.BinaryField(editable=False)
    # The number of the wave's first Release that holds this response; empty until then.
    released_in = models.PositiveIntegerField(null=True, blank=True, editable=False)

    class Meta:
        indexes = [
            models.Index(fields=["wave", "value_stream", "side"]),
            models.Index(fields=["wave", "released_in"]),
        ]
        constraints = [
            # Readers know the answers only from the codes: a response stored without them (a
            # BinaryField left out holds b"") could not be read, so it is refused at once.
            models.CheckConstraint(condition=~Q(answer_codes=b""), name="response_has_answer_codes"),
        ]

    def __str__(self):
        return f"Response {self.pk} ({self.value_stream}, {self.get_side_display()})"


class Answer(models.Model):
    """One item's answer. `value` is empty when the respondent chose "not applicable"."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="answers")
    value = models.SmallIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["response", "item"], name="one_answer_per_item"),
            # A coarse guard in the database; the exact scale of the item's instrument is
            # checked where answers enter (form, import), since SQL cannot join in a CHECK.
            models.CheckConstraint(
                condition=Q(value__isnull=True) | Q(value__gte=SCALE_VALUE_LIMIT * -1, value__lte=SCALE_VALUE_LIMIT),
                name="answer_value_in_scale_range",
            ),
        ]

    def __str__(self):
        return f"{self.item.code}={NOT_APPLICABLE if self.value is None else self.value}"

    @property
    def not_applicable(self):
        return self.value is None


class Draft(models.Model):
    """A questionnaire in progress, kept on the server so nothing entered is lost.

    The key lives in the respondent's session; submitting deletes the draft in the same
    transaction that stores the response, which is what makes a double submit store one.
    """

    key = models.CharField(max_length=64, unique=True)
    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="drafts")
    # value_stream, side, role, tenure_band, language and answers {item code: value or "NA"}
    data = models.JSONField(default=dict)
    updated_on = models.DateField(auto_now=True)

    def __str__(self):
        return f"Draft for {self.wave}"


class AuditLogIsAppendOnly(Exception):
    """An audit entry was to be changed or deleted: the log only grows."""


class AuditEntryQuerySet(models.QuerySet):
    """Entries are added, never changed or deleted, not even in bulk (bulk_update goes through update)."""

    def update(self, **kwargs):
        raise AuditLogIsAppendOnly("The audit log is append-only: entries are never changed.")

    def delete(self):
        raise AuditLogIsAppendOnly("The audit log is append-only: entries are never deleted.")


class AuditEntry(models.Model):
    """One thing a person did to an organization's surveys: who, what, when. Append-only.

    Written through `surveys.audit.record`. The details say what was done — how many links for
    which value stream and side, which set-up fields changed from what to what, what an export
    wrote — and never anything about respondents: not who answered, not when, not an address.
    The actor's name and the wave's slug are copies, so an entry outlives a deleted user or wave
    (its link to them is then emptied). An organization with entries cannot be deleted.
    Entries copied from the former export log whose wave was already deleted have no
    organization; only the admin shows them.
    """

    class Action(models.TextChoices):
        WAVE_CREATED = "wave_created", _("Wave created")
        WAVE_CHANGED = "wave_changed", _("Set-up changed")
        LINKS_CREATED = "links_created", _("Links made")
        INVITATIONS_SENT = "invitations_sent", _("Invitations e-mailed")
        REMINDERS_SENT = "reminders_sent", _("Reminders e-mailed")
        INVITATIONS_REVOKED = "invitations_revoked", _("Links revoked")
        RELEASE = "release", _("Figures released")
        EXPORT = "export", _("Export")
        FOCUS_THEMES = "focus_themes", _("Focus themes changed")
        ACTIONS = "actions", _("Action plan changed")
        INSTRUMENT_UPLOADED = "instrument_uploaded", _("Instrument uploaded")

    created_at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="audit_entries"
    )
    wave = models.ForeignKey(Wave, null=True, blank=True, on_delete=models.SET_NULL, related_name="audit_entries")
    wave_slug = models.SlugField(max_length=80, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="audit_entries"
    )
    actor = models.CharField(
        max_length=150, help_text="The user name, or the operating-system account for the command line."
    )
    action = models.CharField(max_length=40, choices=Action.choices)
    details = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["organization", "-created_at"], name="audit_newest_per_organization")]
        verbose_name_plural = "audit entries"

    def __str__(self):
        return f"{self.get_action_display()} by {self.actor}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AuditLogIsAppendOnly("The audit log is append-only: entries are never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditLogIsAppendOnly("The audit log is append-only: entries are never deleted.")
