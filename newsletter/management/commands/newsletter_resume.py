from django.core.management.base import BaseCommand

from newsletter.models import Send
from newsletter.tasks import resume


class Command(BaseCommand):
    help = (
        "Queue the next batch of every unfinished newsletter send. Run before starting the task worker: "
        "a worker killed at the very start of a batch task can leave a send without its next batch."
    )

    def handle(self, **options):
        sends = list(Send.objects.filter(finished_at__isnull=True))
        for send in sends:
            resume(send)
        self.stdout.write(f"{len(sends)} unfinished newsletter send(s) queued again.")
