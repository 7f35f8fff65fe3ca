import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from exports.anonymize import CHOICES_BY_NAME
from exports.codebook import build_codebook, codebook_markdown
from exports.gather import WaveChanged
from exports.log import COMMAND, log_export
from exports.planning import not_exportable_reason, plan_export, preview_choices
from exports.rows import LAYOUTS, WIDE
from exports.writers import FORMATS, write_export
from surveys.closing import close_if_due
from surveys.models import Wave


class Command(BaseCommand):
    help = (
        "Export a closed wave's responses for researchers, k-anonymous, as CSV, JSON or SPSS (.sav), "
        "with its codebook (JSON and Markdown) next to the file."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug", help="Slug of the wave.")
        parser.add_argument("--format", dest="fmt", choices=FORMATS, help="Required unless --preview.")
        parser.add_argument(
            "--layout", choices=LAYOUTS, default=WIDE, help="wide: a row per response; long: per answer."
        )
        parser.add_argument("--output", help="File to write (default: <slug>-<layout>.<format> here).")
        parser.add_argument(
            "--keep",
            dest="generalization",
            choices=sorted(CHOICES_BY_NAME),
            help="What to keep, as on the export page's choice (default: the automatic choice); --preview lists them.",
        )
        parser.add_argument(
            "--preview",
            action="store_true",
            help="Only list every choice of --keep with the responses it keeps and leaves out; write nothing.",
        )

    def handle(self, slug, fmt=None, layout=WIDE, output=None, generalization=None, preview=False, **options):
        wave = Wave.objects.filter(slug=slug).select_related("organization", "instrument").first()
        if wave is None:
            raise CommandError(f'There is no wave "{slug}".')
        reason = not_exportable_reason(close_if_due(wave))
        if reason:
            raise CommandError(reason)
        if preview:
            for choice in preview_choices(wave):
                marker = "  (automatic)" if choice.automatic else ""
                self.stdout.write(
                    f"{choice.generalization.name:<52} keeps {choice.records_written:>6}, "
                    f"leaves out {choice.records_suppressed:>6}{marker}"
                )
            return
        if fmt is None:
            raise CommandError("--format is required (csv, json or sav), unless --preview.")
        path = Path(output or f"{wave.slug}-{layout}.{fmt}")
        if not path.parent.is_dir():
            raise CommandError(f"The folder {path.parent} does not exist.")
        codebook_path = path.with_name(f"{path.stem}.codebook.json")
        markdown_path = path.with_name(f"{path.stem}.codebook.md")

        show = sys.stderr.isatty()
        total = wave.responses.count()
        with tqdm(total=total, desc="counting", unit="responses", disable=not show, file=sys.stderr) as counting:
            plan = plan_export(wave, progress=counting.update, generalization=CHOICES_BY_NAME.get(generalization or ""))
        codebook = build_codebook(plan)
        written = plan.anonymization.records_written
        with tqdm(total=written, desc="writing", unit="responses", disable=not show, file=sys.stderr) as writing:
            try:
                write_export(plan, fmt, layout, path, progress=writing.update, codebook=codebook)
            except WaveChanged as changed:
                path.unlink(missing_ok=True)  # half a file would claim the codebook's counts
                raise CommandError(f"{str(changed).capitalize()}.") from changed
            except BaseException:  # a full disk, Ctrl-C: no half file is left, unlogged, behind
                path.unlink(missing_ok=True)
                raise
        codebook_path.write_text(json.dumps(codebook, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        markdown_path.write_text(codebook_markdown(codebook), encoding="utf-8")
        log_export(plan, fmt, layout, COMMAND)

        privacy = codebook["privacy"]
        self.stdout.write(
            f"Wrote {written} of {privacy['records_in_wave']} responses ({layout} layout) to {path}; "
            f"{privacy['records_suppressed']} suppressed for k = {privacy['k']}; "
            f"generalization: {privacy['generalization']['description']}"
        )
        if privacy["value_streams_absent"]:
            self.stdout.write(f"Value streams absent from the file: {', '.join(privacy['value_streams_absent'])}.")
        self.stdout.write(f"Codebook: {codebook_path} and {markdown_path}.")
