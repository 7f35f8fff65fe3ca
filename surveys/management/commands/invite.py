import csv
import os

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from surveys import invitations
from surveys.models import Side, Wave


class Command(BaseCommand):
    help = (
        "Personal invitations to a wave: one-time links per value stream and side, written to a CSV for a "
        "mail merge (--count, --output) or e-mailed (--emails); or reminders with new links to unused "
        "invitations (--remind)."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug", help="The wave's slug.")
        parser.add_argument("--value-stream", help="The value stream's name, as in the wave.")
        parser.add_argument("--side", choices=Side.values, help="biz or it.")
        what = parser.add_mutually_exclusive_group(required=True)
        what.add_argument("--count", type=int, help="Create this many links; needs --output.")
        what.add_argument("--emails", help="A file with one e-mail address per line: send each a link.")
        what.add_argument("--remind", action="store_true", help="E-mail a new link to every unused invitation.")
        parser.add_argument("--output", help="The CSV file to write the links to (must not exist yet).")
        parser.add_argument(
            "--base-url",
            help="Where the survey is served, e.g. https://survey.example.org (development: HOST_PORT, as make run).",
        )

    def handle(self, slug, value_stream, side, count, emails, remind, output, base_url, **options):
        wave = Wave.objects.filter(slug=slug).select_related("organization").first()
        if wave is None:
            raise CommandError(f'No wave "{slug}".')
        if not base_url:
            if not settings.DEBUG:
                raise CommandError("Give --base-url: the address respondents open the links at.")
            base_url = settings.DEVELOPMENT_BASE_URL
        build_url = invitations.link_builder(base_url)
        if output and count is None:
            raise CommandError("--output goes with --count; e-mailed links are written nowhere.")
        try:
            if remind:
                if value_stream or side:
                    raise CommandError(
                        "--remind reminds every unused invitation of the wave; leave out --value-stream and --side."
                    )
                reminded = invitations.send_reminders(wave, build_url)
                self.stdout.write(f"Sent {reminded} reminders with new links; the earlier links no longer work.")
                return
            stream = self._value_stream(wave, value_stream, side)
            if count is not None:
                self._write_links(wave, stream, side, count, output, build_url)
            else:
                self._send(wave, stream, side, emails, build_url)
        except ValueError as error:
            raise CommandError(str(error)) from error
        except invitations.SendingFailed as error:
            raise CommandError(f"{error} ({error.__cause__})") from error

    def _value_stream(self, wave, name, side):
        if not name or not side:
            raise CommandError("Give --value-stream and --side (biz or it).")
        stream = wave.value_streams.filter(name=name).first()
        if stream is None:
            names = ", ".join(f'"{vs.name}"' for vs in wave.value_streams.order_by("name"))
            raise CommandError(f'"{name}" is not a value stream of this wave. Its value streams: {names}.')
        return stream

    def _write_links(self, wave, stream, side, count, output, build_url):
        if not output:
            raise CommandError("Give --output: the CSV file to write the links to.")
        if count < 1:
            raise CommandError("--count must be at least 1.")
        try:
            # "x": never overwrite an earlier file, which may hold the only copy of other links.
            # 0o600: the file holds live links; only its owner should read it.
            descriptor = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError as error:
            raise CommandError(f"{output} exists already; choose a new file name.") from error
        try:
            # One transaction: if the file cannot be written, no invitation without a link is left behind.
            with transaction.atomic(), open(descriptor, "w", newline="", encoding="utf-8") as file:
                pairs = invitations.create_invitations(wave, stream, side, count)
                writer = csv.writer(file)
                writer.writerow(invitations.CSV_HEADER)
                writer.writerows(invitations.invitations_csv_rows(pairs, build_url))
        except BaseException:
            os.unlink(output)
            raise
        self.stdout.write(f"Wrote {count} links for {stream} ({side}) to {output}. The links are nowhere else.")

    def _send(self, wave, stream, side, emails_file, build_url):
        try:
            with open(emails_file, encoding="utf-8") as file:
                addresses = [line for line in file if not line.lstrip().startswith("#")]
        except OSError as error:
            raise CommandError(f"Cannot read {emails_file}: {error.strerror}.") from error
        sending = invitations.send_invitations(wave, stream, side, addresses, build_url)
        self.stdout.write(f"Sent {len(sending.sent)} invitations for {stream} ({side}).")
        if sending.already_invited:
            self.stdout.write(
                f"Not sent to {len(sending.already_invited)} addresses that were sent a link to this wave "
                f"already (used, unused or revoked: one link per person): {', '.join(sending.already_invited)}"
            )
