from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

# accounts imports no other app (DESIGN.md, "Arrows": every app may use accounts, so accounts uses
# none of them); the organization a membership belongs to is surveys' model, named by its label.
ORGANIZATION_MODEL = "surveys.Organization"
WAVE_MODEL = "surveys.Wave"


class Membership(models.Model):
    """A person's role in one organization. Administrators (superusers) need none: they see everything.

    Respondents have no account at all.
    """

    class Role(models.TextChoices):
        CHANGE_MANAGER = "change_manager", _("Change manager")  # sets up waves, reads the dashboards
        RESEARCHER = "researcher", _("Researcher")  # downloads anonymized exports

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(ORGANIZATION_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "organization", "role"], name="one_membership_per_role"),
        ]
        ordering = ["organization__name", "role"]

    def __str__(self):
        return gettext("%(user)s — %(role)s of %(organization)s") % {
            "user": self.user,
            "role": self.get_role_display(),
            "organization": self.organization,
        }
