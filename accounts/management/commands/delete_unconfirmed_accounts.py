from django.conf import settings
from django.core.management.base import BaseCommand

from accounts.services import delete_expired_signups


class Command(BaseCommand):
    help = (
        "Delete sign-ups whose confirmation link was never opened within SIGNUP_CONFIRM_DAYS, freeing "
        "their usernames. Sign-up also does this as it goes; run it from cron to keep the table tidy."
    )

    def handle(self, *args, **options):
        count = delete_expired_signups()
        days = settings.SIGNUP_CONFIRM_DAYS
        self.stdout.write(f"Deleted {count} unconfirmed account(s) older than {days} day(s).")
