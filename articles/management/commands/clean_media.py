"""Re-clean images stored before every save path cleaned them: safe to run any number of times.

A lead image whose file (or any rendition) still carries metadata, or whose name is not one the
server made, is re-encoded under a new random name with fresh renditions, the article is pointed at
it, and the old files are deleted. Images put in article bodies by the editor keep their names (the
bodies link to them) and are rewritten in place. Files already clean are left untouched.
"""

import os
import uuid
from pathlib import PurePosixPath

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError

from articles.editor import UPLOAD_PREFIX
from articles.images import (
    FORMATS,
    ImageStorageError,
    carries_only_pixels,
    decode_image,
    delete_quietly,
    encode_image,
    is_clean,
    pixels_only,
    save_all_or_nothing,
)
from articles.models import Article

IMAGE_FIELDS = ["lead_image", "lead_image_width", "lead_image_height", "lead_image_renditions", "modified_at"]


class Command(BaseCommand):
    help = "Strip location, device and file-name traces from images stored earlier (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Only list what would be cleaned.")

    def handle(self, *args, dry_run=False, **options):
        self.dry_run = dry_run
        self.problems = []
        self.storage = default_storage
        cleaned, clean = self.clean_lead_images()
        self.report("lead images", cleaned, clean)
        cleaned, clean = self.clean_editor_uploads()
        self.report("editor uploads", cleaned, clean)
        if self.problems:
            raise CommandError(
                f"{len(self.problems)} image(s) could not be cleaned:\n" + "\n".join(self.problems)
            )

    def report(self, what, cleaned, clean):
        verb = "would clean" if self.dry_run else "cleaned"
        self.stdout.write(f"{what.capitalize()}: {verb} {cleaned}, {clean} already clean.")

    def clean_lead_images(self):
        cleaned = clean = 0
        for article in Article.objects.exclude(lead_image="").defer("search_vector").order_by("pk"):
            old_names = [article.lead_image.name, *(r["name"] for r in article.lead_image_renditions)]
            if article.lead_image_renditions and all(is_clean(self.storage, name) for name in old_names):
                clean += 1
                continue
            label = f"article {article.pk} ({article.slug}): {article.lead_image.name}"
            if self.dry_run:
                self.stdout.write(f"Would clean {label}")
                cleaned += 1
                continue
            try:
                with self.storage.open(article.lead_image.name) as stored:
                    original = ContentFile(stored.read(), name=PurePosixPath(stored.name).name)
            except OSError as exc:
                self.problems.append(f"{label}: cannot read it ({exc.strerror or exc})")
                continue
            article.lead_image = original
            try:
                # Only the image columns: the public dates and the body stay as they were.
                article.save(minor_edit=True, update_fields=IMAGE_FIELDS)
            except (ValidationError, ImageStorageError) as exc:
                self.problems.append(f"{label}: {' '.join(getattr(exc, 'messages', [str(exc)]))}")
                continue
            shared = Article.objects.filter(lead_image=old_names[0]).exists()
            delete_quietly(self.storage, old_names[1:] if shared else old_names)
            self.stdout.write(f"Cleaned {label} -> {article.lead_image.name}")
            cleaned += 1
        return cleaned, clean

    def clean_editor_uploads(self):
        """Rewrite editor uploads that carry metadata, under the same name: article bodies link to them."""
        cleaned = clean = 0
        try:
            _folders, files = self.storage.listdir(UPLOAD_PREFIX.rstrip("/"))
        except FileNotFoundError:
            return 0, 0
        for filename in sorted(files):
            name = UPLOAD_PREFIX + filename
            if carries_only_pixels(self.storage, name):
                clean += 1
                continue
            if self.dry_run:
                self.stdout.write(f"Would clean {name}")
                cleaned += 1
                continue
            try:
                self.rewrite(name)
            except (OSError, ValidationError, ImageStorageError, NotImplementedError) as exc:
                self.problems.append(f"{name}: {' '.join(getattr(exc, 'messages', [str(exc)]))}")
                continue
            self.stdout.write(f"Cleaned {name}")
            cleaned += 1
        return cleaned, clean

    def rewrite(self, name):
        with self.storage.open(name) as stored:
            image, image_format = decode_image(stored)
            data = encode_image(pixels_only(image, image_format), image_format)
        if PurePosixPath(name).suffix != f".{FORMATS[image_format]}":
            raise ValidationError(f"its content is {image_format}, not what its name says; left as it is")
        [temporary] = save_all_or_nothing(self.storage, [(f"{name}.{uuid.uuid4().hex}.part", data)])
        try:
            os.replace(self.storage.path(temporary), self.storage.path(name))  # readers never see half a file
        except BaseException:
            delete_quietly(self.storage, [temporary])
            raise
