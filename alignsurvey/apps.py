from django.apps import AppConfig


class AlignSurveyConfig(AppConfig):
    """The project itself as an app: the home of what belongs to no one app, such as the
    project-wide `compile_translations` command. It has no models and imports no app."""

    name = "alignsurvey"
    verbose_name = "AlignSurvey"
