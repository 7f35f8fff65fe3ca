from django.core.management.base import BaseCommand, CommandError

from surveys.instrument_files import (
    BUILT_IN_INSTRUMENT,
    InstrumentFileError,
    InstrumentFrozenError,
    load_instrument,
    read_instrument_file,
)


class Command(BaseCommand):
    help = (
        "Load an instrument file (JSON or YAML) as its code and version. Without a path, loads "
        "the built-in 'VSM operational alignment' instrument. Safe to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", default=str(BUILT_IN_INSTRUMENT))

    def handle(self, path, **options):
        try:
            result = load_instrument(read_instrument_file(path))
        except InstrumentFileError as error:
            raise CommandError(
                f"{path} was not loaded; nothing was stored.\n" + "\n".join(f"  - {e}" for e in error.errors)
            ) from error
        except InstrumentFrozenError as error:
            raise CommandError(str(error)) from error
        instrument = result.instrument
        self.stdout.write(
            f"Instrument {instrument} {result.outcome}: "
            f"{instrument.dimensions.count()} dimensions, {instrument.themes.count()} themes, "
            f"{instrument.items.count()} items."
        )
