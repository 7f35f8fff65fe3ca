from django.core.management.base import BaseCommand

from surveys.closing import close_due_waves


class Command(BaseCommand):
    help = (
        "Close the waves past their closing time, and for every closed wave erase what only served answering: "
        "unused invitations (and their addresses), the invited addresses, unsubmitted drafts. Run it daily."
    )

    def handle(self, **options):
        closed = close_due_waves()
        self.stdout.write(
            f"{closed.waves} closed waves tidied: {closed.invitations_revoked} unused invitations revoked, "
            f"{closed.drafts_deleted} unsubmitted drafts deleted."
        )
