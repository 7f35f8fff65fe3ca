import json

from django.core.management.base import CommandError

from surveys.instrument_files import export_instrument
from surveys.management.instrument_version_option import InstrumentVersionCommand
from surveys.models import InstrumentVersion


class Command(InstrumentVersionCommand):
    help = "Write an instrument version in the instrument file format (JSON) to standard output or a file."

    def add_arguments(self, parser):
        parser.add_argument("code")
        parser.add_argument("--version", dest="instrument_version", help="Default: the newest version.")
        parser.add_argument("--output", help="File to write; default: standard output.")

    def handle(self, code, instrument_version=None, output=None, **options):
        versions = InstrumentVersion.objects.filter(code=code)
        if instrument_version:
            versions = versions.filter(version=instrument_version)
        instrument = versions.order_by("-created_at", "-pk").first()
        if instrument is None:
            known = ", ".join(str(v) for v in InstrumentVersion.objects.all()) or "none"
            raise CommandError(f"No instrument {code} {instrument_version or ''}. Known instruments: {known}.")
        text = json.dumps(export_instrument(instrument), ensure_ascii=False, indent=2) + "\n"
        if output:
            with open(output, "w", encoding="utf-8") as handle:
                handle.write(text)
            self.stderr.write(f"Wrote {instrument} to {output}.")
        else:
            self.stdout.write(text, ending="")
