from django import template
from django.db.models import Count, Min
from django.urls import reverse

from articles import roles
from articles.models import Article

register = template.Library()


@register.inclusion_tag("admin/articles/review_queue.html", takes_context=True)
def review_queue(context):
    """For editors on the admin index: how many articles wait for review, and since when (1 query)."""
    user = context["request"].user
    if not roles.is_editor(user):
        return {"show": False}
    waiting = Article.objects.in_review().order_by().aggregate(count=Count("pk"), oldest=Min("submitted_at"))
    url = reverse("admin:articles_article_changelist") + f"?status__exact={Article.Status.REVIEW}"
    return {"show": True, "url": url, **waiting}
