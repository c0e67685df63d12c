from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path

from articles import editor
from newsblog import views

urlpatterns = [
    path("", include("articles.urls")),
    path("accounts/", include("accounts.urls")),
    path("admin/", admin.site.urls),
    path("markdownx/markdownify/", editor.markdownify, name="markdownx_markdownify"),
    path("markdownx/upload/", editor.upload, name="markdownx_upload"),
    path("healthz", views.healthz, name="healthz"),
    re_path(rf"^{settings.MEDIA_URL.lstrip('/')}(?P<path>.+)$", views.media, name="media"),
]

handler500 = "newsblog.views.server_error"
