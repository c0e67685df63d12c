from django.urls import URLPattern, path, re_path

from api import views
from pagecache.pages import reader_page

app_name = "api"


def reader_pages(patterns):
    """django-ninja's views (and the schema), each cached and revalidated as a reader page."""
    return [URLPattern(p.pattern, reader_page(p.callback), p.default_args, p.name) for p in patterns]


ninja_patterns, _, _ = views.api.urls

urlpatterns = [
    path("", views.index, name="index"),
    *reader_pages(ninja_patterns),
    re_path(r"^(?P<rest>.*)$", views.not_found),
]
