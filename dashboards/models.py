from django.conf import settings
from django.db import models
from django.utils import timezone

from accounts.secret_links import hash_token, new_token
from surveys.models import ValueStream


class RadiatorLinkQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True)

    def find(self, token):
        """The active link of a token, or None. Unknown and revoked tokens look the same."""
        return self.active().select_related("value_stream__organization").filter(token_hash=hash_token(token)).first()


class RadiatorLink(models.Model):
    """A secret link that opens one value stream's information radiator without a login.

    Only the token's hash is stored (`accounts.secret_links`, as for personal invitations); the
    link itself is shown once, when it is created. It shows
    the value stream's newest wave that is open or closed, so a wall screen keeps working from one
    wave to the next.
    """

    value_stream = models.ForeignKey(ValueStream, on_delete=models.CASCADE, related_name="radiator_links")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    label = models.CharField(max_length=100, blank=True, help_text="Where the screen hangs, e.g. '3rd floor kitchen'.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = RadiatorLinkQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.value_stream} radiator ({self.label or f'{self.created_at:%Y-%m-%d}'})"

    @classmethod
    def create(cls, value_stream, user, label=""):
        """Create a link; return it with its token, which exists nowhere else afterwards."""
        token = new_token()
        link = cls.objects.create(value_stream=value_stream, token_hash=hash_token(token), label=label, created_by=user)
        return link, token

    def revoke(self):
        if self.revoked_at is None:
            self.revoked_at = timezone.now()
            self.save(update_fields=["revoked_at"])
