from django.db import transaction

from articles.models import Article
from newsletter.models import Send
from newsletter.services import wants_sending


def article_saved(sender, instance, raw=False, **kwargs):
    """An article saved as published (now or scheduled), to be mailed and not mailed yet: the worker
    makes its send (at its publication time). Nothing is mailed inside the request."""
    if raw or instance.status != Article.Status.PUBLISHED:
        return
    if not wants_sending(instance) or Send.objects.filter(article=instance).exists():
        return
    # Imported here: defining a task reads the TASKS setting, which must not happen while apps load.
    from newsletter.tasks import enqueue_start

    transaction.on_commit(lambda: enqueue_start(instance))
