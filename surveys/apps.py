from django.apps import AppConfig


class SurveysConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "surveys"
    verbose_name = "Surveys"

    def ready(self):
        # Connects the receivers that renew an instrument's revision when its tree changes, in
        # every process (web, admin, management commands), not only those that serve pages.
        from . import questionnaire  # noqa: F401
