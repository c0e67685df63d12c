from django.contrib.auth import get_user_model
from django.core.paginator import InvalidPage, Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from articles.models import Article, Category

PAGE_SIZE = 10


def paginate(request, queryset, per_page=PAGE_SIZE):
    """The requested page; a page that is out of range or not a number is a 404, not a 500."""
    paginator = Paginator(queryset, per_page)
    try:
        return paginator.page(request.GET.get("page") or 1)
    except InvalidPage as exc:
        raise Http404("There is no such page.") from exc


@require_safe
def home(request):
    page = paginate(request, Article.objects.for_listing())
    return render(request, "articles/article_list.html", {"page": page})


@require_safe
def detail(request, slug):
    queryset = Article.objects.visible_to(request.user).select_related("author", "category")
    article = get_object_or_404(queryset, slug=slug)
    response = render(request, "articles/article_detail.html", {"article": article})
    if not article.is_public:
        # A staff preview of a draft or scheduled piece: never stored by any cache.
        response["Cache-Control"] = "private, no-store"
    return response


@require_safe
def category(request, slug):
    category = get_object_or_404(Category, slug=slug)
    page = paginate(request, Article.objects.for_listing().filter(category=category))
    return render(request, "articles/category_detail.html", {"category": category, "page": page})


@require_safe
def author(request, username):
    author = get_object_or_404(get_user_model(), username=username, is_active=True)
    page = paginate(request, Article.objects.for_listing().filter(author=author))
    return render(request, "articles/author_detail.html", {"author": author, "page": page})
