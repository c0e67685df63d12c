from django.urls import path

from articles import feeds, views
from articles.caching import ALL_ARTICLES, ALL_CATEGORIES, ALL_TAGS
from pagecache.pages import reader_page

app_name = "articles"

# Feeds list articles with their authors, sections and tags.
feed = reader_page(tags=(ALL_ARTICLES, ALL_CATEGORIES, ALL_TAGS, "users"))

urlpatterns = [
    path("", views.home, name="home"),
    path("articles/<slug:slug>/", views.detail, name="detail"),
    path("preview/<str:token>/", views.preview, name="preview"),
    path("category/<slug:slug>/", views.category, name="category"),
    path("tags/<slug:slug>/", views.tag, name="tag"),
    path("authors/<str:username>/", views.author, name="author"),
    path("search/", views.search, name="search"),
    path("feed/", feed(feeds.LatestArticlesFeed()), name="feed"),
    path("feed/atom/", feed(feeds.LatestArticlesAtomFeed()), name="feed-atom"),
    path("category/<slug:slug>/feed/", feed(feeds.CategoryFeed()), name="category-feed"),
    path("category/<slug:slug>/feed/atom/", feed(feeds.CategoryAtomFeed()), name="category-feed-atom"),
    path("tags/<slug:slug>/feed/", feed(feeds.TagFeed()), name="tag-feed"),
    path("tags/<slug:slug>/feed/atom/", feed(feeds.TagAtomFeed()), name="tag-feed-atom"),
]
