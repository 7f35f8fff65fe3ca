import sys
from pathlib import Path

from django.core.management.base import CommandError
from tqdm import tqdm

from surveys.management.instrument_version_option import InstrumentVersionCommand
from surveys.models import InstrumentVersion
from surveys.response_import import ImportRefused, import_responses, read_role_map


class Command(InstrumentVersionCommand):
    help = (
        "Import responses from a CSV file (columns value_stream, side, optional role and tenure_years, "
        "then one column per item code) into a survey wave, creating it when missing. All or nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("csv", help="Path of the CSV file (UTF-8, comma or semicolon separated).")
        parser.add_argument("--survey", required=True, help="Slug of the wave to import into.")
        parser.add_argument("--instrument", required=True, help="Instrument code.")
        parser.add_argument("--version", dest="instrument_version", help="Instrument version (default: newest).")
        parser.add_argument(
            "--organization",
            help=(
                "Organization of a new wave, created when missing. Optional when exactly one organization "
                "exists (it is used) or none (one is created)."
            ),
        )
        parser.add_argument("--threshold", type=int, help="Anonymity threshold of the wave (at least 3).")
        parser.add_argument(
            "--role-map",
            dest="role_map",
            help="CSV (label,code) or YAML (label: code) file mapping other role labels to role family codes.",
        )

    def handle(
        self,
        csv,
        survey,
        instrument,
        instrument_version=None,
        organization=None,
        threshold=None,
        role_map=None,
        **options,
    ):
        versions = InstrumentVersion.objects.filter(code=instrument)
        if instrument_version:
            versions = versions.filter(version=instrument_version)
        instrument_obj = versions.order_by("-created_at", "-pk").first()
        if instrument_obj is None:
            raise CommandError(
                f"No instrument {instrument} {instrument_version or ''}; load it first with load_instrument."
            )
        try:
            roles = read_role_map(role_map) if role_map else None
        except ImportRefused as refused:
            listing = "\n".join(f"  {error}" for error in refused.errors)
            raise CommandError(f"{csv} was not imported; nothing was stored.\n{listing}") from refused
        try:
            text = Path(csv).read_text(encoding="utf-8-sig")
        except OSError as error:
            raise CommandError(f"Cannot read {csv}: {error.strerror}.") from error
        except UnicodeDecodeError as error:
            raise CommandError(f"{csv} is not UTF-8 text; save it as CSV UTF-8 and try again.") from error

        rows = max(text.count("\n") - 1, 0)
        show = sys.stderr.isatty()
        with (
            tqdm(total=rows, desc="checking", unit="rows", disable=not show, file=sys.stderr) as checking,
            tqdm(total=rows, desc="storing", unit="rows", disable=not show, file=sys.stderr) as storing,
        ):
            try:
                result = import_responses(
                    text,
                    survey=survey,
                    instrument=instrument_obj,
                    organization_name=organization,
                    threshold=threshold,
                    role_map=roles,
                    parse_progress=checking.update,
                    store_progress=storing.update,
                )
            except ImportRefused as refused:
                more = refused.total - len(refused.errors)
                listing = "\n".join(f"  {error}" for error in refused.errors)
                tail = f"\n  … and {more} more errors." if more > 0 else ""
                raise CommandError(f"{csv} was not imported; nothing was stored.\n{listing}{tail}") from refused
        wave = result.wave
        self.stdout.write(
            f"Imported {result.responses} responses into {'new ' if result.created_wave else ''}wave "
            f"{wave.slug!r} ({wave.organization}, instrument {wave.instrument}, threshold {wave.anonymity_threshold})."
        )
        if result.created_value_streams:
            self.stdout.write(f"New value streams: {', '.join(result.created_value_streams)}.")
