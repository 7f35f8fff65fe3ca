from django.core.management.base import BaseCommand

from surveys.closing import close_due_waves


class Command(BaseCommand):
    help = (
        "The daily job: close the waves past their closing time and make their final releases; for every "
        "closed wave erase what only served answering (unused invitations and their addresses, the invited "
        "addresses, unsubmitted drafts); release the interim results of open waves that show them."
    )

    def handle(self, **options):
        closed = close_due_waves()
        self.stdout.write(
            f"{closed.waves} closed waves tidied: {closed.final_releases} final releases made, "
            f"{closed.invitations_revoked} unused invitations revoked, {closed.drafts_deleted} unsubmitted "
            f"drafts deleted; {closed.interim_releases} interim releases of open waves."
        )
