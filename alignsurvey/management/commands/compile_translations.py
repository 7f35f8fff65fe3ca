"""`manage.py compile_translations`: the project's catalogues, for every app (alignsurvey/translations.py)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from alignsurvey.translations import CatalogueError, catalogues, compile_translations


class Command(BaseCommand):
    help = "Compile the translation catalogues (.po → .mo) of LOCALE_PATHS when a .po changed; refuse fuzzy entries."

    def add_arguments(self, parser):
        parser.add_argument(
            "--locale-dir",
            action="append",
            dest="locale_dirs",
            help="A directory with <language>/LC_MESSAGES/*.po (repeatable). Default: settings.LOCALE_PATHS.",
        )

    def handle(self, locale_dirs=None, **options):
        locale_paths = locale_dirs or settings.LOCALE_PATHS
        if not catalogues(locale_paths):
            raise CommandError(f"No catalogues (<language>/LC_MESSAGES/*.po) in {', '.join(map(str, locale_paths))}.")
        try:
            compiled = compile_translations(locale_paths)
        except CatalogueError as error:
            raise CommandError(
                "Translations not compiled; nothing was written.\n" + "\n".join(f"  - {p}" for p in error.problems)
            ) from error
        for po in compiled:
            self.stdout.write(f"Compiled {po}")
        if not compiled:
            self.stdout.write("Translations are up to date.")
