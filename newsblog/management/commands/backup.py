from django.core.management.base import BaseCommand, CommandError

from newsblog.backup import BackupError, back_up


class Command(BaseCommand):
    help = (
        "Write one timestamped archive of the database and the media files, with a manifest to verify "
        "it by. The archive's path is the last line printed."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", default="backups", help="Folder for the archive (default: backups/).")

    def handle(self, *args, output, **options):
        try:
            path = back_up(output)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(str(path.resolve()))
