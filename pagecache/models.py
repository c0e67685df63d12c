from django.db import models


class TagVersion(models.Model):
    """The current version of one tag (`article:42`, `comments:42`, `categories`...), used when there
    is no Redis so that every worker process agrees on it. Two rows are not tags: the clock every
    version is drawn from, and the time of the next scheduled change (see pagecache/versions.py)."""

    name = models.CharField(max_length=200, primary_key=True)
    version = models.BigIntegerField()

    def __str__(self):
        return f"{self.name} v{self.version}"
