from django.core.management.base import BaseCommand


class InstrumentVersionCommand(BaseCommand):
    """A command whose `--version` names an instrument version.

    Django gives every command a `--version` that prints Django's version; here the option
    means the instrument's version, as researchers expect, so Django's is left out.
    """

    def add_base_argument(self, parser, *args, **kwargs):
        if "--version" in args:
            return
        super().add_base_argument(parser, *args, **kwargs)
