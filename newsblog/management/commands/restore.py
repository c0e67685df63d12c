from django.core.management.base import BaseCommand, CommandError

from newsblog.backup import BackupError, restore


class Command(BaseCommand):
    help = (
        "Restore an archive made by `backup` into an empty database and media folder, then verify "
        "every table's row count and every media file against the archive's manifest."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", help="The archive's path.")
        parser.add_argument(
            "--force", action="store_true", help="Replace what the database and media folder hold now."
        )

    def handle(self, *args, archive, force, **options):
        try:
            manifest = restore(archive, force=force)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        rows = sum(manifest["tables"].values())
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored and verified: {len(manifest['tables'])} tables, {rows} rows, "
                f"{len(manifest['media'])} media files (backup of {manifest['created_at']}, "
                f"app {manifest['app_version']})."
            )
        )
