from django.urls import path

from articles import feeds, views
from newsblog.cache import reader_page

app_name = "articles"

urlpatterns = [
    path("", views.home, name="home"),
    path("articles/<slug:slug>/", views.detail, name="detail"),
    path("category/<slug:slug>/", views.category, name="category"),
    path("authors/<str:username>/", views.author, name="author"),
    path("search/", views.search, name="search"),
    path("feed/", reader_page(feeds.LatestArticlesFeed()), name="feed"),
    path("feed/atom/", reader_page(feeds.LatestArticlesAtomFeed()), name="feed-atom"),
    path("category/<slug:slug>/feed/", reader_page(feeds.CategoryFeed()), name="category-feed"),
    path("category/<slug:slug>/feed/atom/", reader_page(feeds.CategoryAtomFeed()), name="category-feed-atom"),
]
