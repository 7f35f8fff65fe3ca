import sys

from django.conf import settings
from django.core.management.base import BaseCommand
from django.urls import reverse
from tqdm import tqdm

from surveys.demo import seed_demo


class Command(BaseCommand):
    help = "Create the demo organization (the paper's five value streams) with an open wave of synthetic answers."

    def add_arguments(self, parser):
        parser.add_argument("--responses", type=int, default=300, help="Synthetic responses to add (default 300).")
        parser.add_argument("--once", action="store_true", help="Leave a demo wave that has responses as it is.")
        parser.add_argument("--seed", type=int, default=2024, help="Random seed, for reproducible demo data.")

    def handle(self, responses, once, seed, **options):
        with tqdm(total=responses, unit="responses", disable=not sys.stderr.isatty(), file=sys.stderr) as bar:
            result = seed_demo(responses=responses, once=once, seed=seed, progress=bar.update)
        wave = result.wave
        if result.created_responses:
            self.stdout.write(f"Added {result.created_responses} synthetic responses to the demo wave.")
        else:
            self.stdout.write("The demo wave already has responses; left as it is.")
        base = settings.DEVELOPMENT_BASE_URL  # where `make run` serves (HOST_PORT)
        self.stdout.write(
            "\n"
            f"  Questionnaire (open link): {base}{reverse('surveys:intro', args=[wave.slug])}\n"
            f"  Dashboards:                {base}{reverse('dashboards:home')}\n"
            f"  Demo login:                user {result.username!r}, password {result.password!r}"
            " (change manager and researcher of the demo; new on every run)\n"
            f"  Administrators:            {base}{reverse('admin:index')}"
            " (create one with: python manage.py createsuperuser)\n"
        )
