from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path

from articles import editor, sitemaps
from newsblog import metrics, views

urlpatterns = [
    path("", include("articles.urls")),
    path("", include("comments.urls")),
    path("accounts/", include("accounts.urls")),
    path("api/", include("api.urls")),
    path("newsletter/", include("newsletter.urls")),
    path("admin/", admin.site.urls),
    path("markdownx/markdownify/", editor.markdownify, name="markdownx_markdownify"),
    path("markdownx/upload/", editor.upload, name="markdownx_upload"),
    path("livez", views.livez, name="livez"),
    path("readyz", views.readyz, name="readyz"),
    path("healthz", views.readyz, name="healthz"),
    path("metrics", metrics.metrics, name="metrics"),
    path("sitemap.xml", sitemaps.sitemap, name="sitemap"),
    path("sitemap-news.xml", sitemaps.news_sitemap, name="sitemap-news"),
    path("robots.txt", sitemaps.robots_txt, name="robots-txt"),
    re_path(rf"^{settings.MEDIA_URL.lstrip('/')}(?P<path>.+)$", views.media, name="media"),
]

handler400 = "newsblog.views.bad_request"
handler500 = "newsblog.views.server_error"
