import math
from datetime import UTC, datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods, require_POST

from accounts.caching import user_tag
from articles.caching import article_tag, by_author_tag, discussion_tag
from articles.models import Article, has_published
from articles.views import render_article
from comments.forms import CommentEditForm, CommentForm
from comments.models import PAGE_SIZE, Comment
from comments.services import CommentRefused, delete_comment, edit_comment, post_comment
from pagecache import personal
from pagecache.tags import cached, shows

PENDING_KEY = "pending_comment"


def comments_context(request, article, form=None, error=None):
    """The comments section of an article page.

    The list is the same for every visitor, and for every signed-in reader except the Edit and
    Delete links on their own comments (personal parts, see comment.html): it is rendered once per
    change to the discussion and cached.
    """
    try:
        number = int(request.GET.get("comments") or 1)
    except ValueError:
        raise Http404("There is no such page of comments.") from None
    member = request.user.is_authenticated
    section = comment_list(request, article, number, member=member)
    context = {"comments_html": section["html"], "comment_form": form, "comment_error": error}
    context["reply_target"] = None
    if member:
        context.update(reader_form_context(request, section["comments"], form, error))
    return context


def reader_form_context(request, comments, form=None, error=None):
    """The comment form for a signed-in reader: a reply when ?reply_to= names a visible comment."""
    reply_target = None
    target = comments.get(request.GET.get("reply_to", ""))
    if target is not None and target["state"] == Comment.State.VISIBLE:
        reply_target = {"pk": int(request.GET["reply_to"]), "name": target["name"]}
    if form is None:
        form = CommentForm(initial={"parent": reply_target["pk"] if reply_target else None})
    return {"comment_form": form, "comment_error": error, "reply_target": reply_target}


def comment_list(request, article, number, *, member):
    """{"html", "comments": {id: name, state}} for one page of threads, cached per article until its
    discussion changes. Edit/Delete are personal parts: filled in for each reader."""
    if not settings.NEWSBLOG_PAGE_CACHE:
        return build_comment_list(request, article, number, member=member)
    key = f"comments:{article.pk}:{number}:{'member' if member else 'visitor'}"
    section = cached(
        key,
        lambda: build_comment_list(request, article, number, member=member),
        tags=[discussion_tag(article.pk), article_tag(article.pk)],
    )
    return {**section, "html": personal.for_reader(request, section["html"])}


def build_comment_list(request, article, number, *, member):
    threads_total = Comment.objects.top_level().filter(article=article).count()
    num_pages = max(1, math.ceil(threads_total / PAGE_SIZE))
    if not 1 <= number <= num_pages:
        raise Http404("There is no such page of comments.")
    # Only authors who publish have an author page to link to.
    with_page = {"author_has_page": has_published("author")}
    replies = Prefetch(
        "replies", queryset=Comment.objects.select_related("author", "reply_to").annotate(**with_page)
    )
    threads = list(
        Comment.objects.top_level()
        .filter(article=article)
        .select_related("author")
        .annotate(**with_page)
        .prefetch_related(replies)[(number - 1) * PAGE_SIZE : number * PAGE_SIZE]
    )
    everyone = [item for comment in threads for item in (comment, *comment.replies.all())]
    people = {user_id for c in everyone for user_id in (c.author_id, c.reply_to_id) if user_id}
    # Names, Staff badges, and a link for those with an author page (their published articles).
    shows(*(user_tag(user_id) for user_id in people), *(by_author_tag(c.author_id) for c in everyone))
    context = {
        "article": article,
        "comments": threads,
        "comment_pages": comment_pages(article, number, num_pages),
        "member": member,
        "request": request,  # for personal parts when the page is not a shared copy
    }
    return {
        "html": mark_safe(render_to_string("comments/comment_list.html", context)),  # noqa: S308 - our template
        "comments": {str(c.pk): {"name": c.author.public_name, "state": c.state} for c in everyone},
    }


def own_actions(request, pk, author_id, created, state):
    """Personal part: Edit/Delete on the reader's own comment (the same rules as the views)."""
    if int(author_id) != request.user.pk:
        return ""
    created_at = datetime.fromtimestamp(int(created), tz=UTC)
    comment = Comment(pk=int(pk), author_id=int(author_id), created_at=created_at, state=state)
    links = []
    if comment.can_edit(request.user):
        links.append(format_html('<a href="{}">Edit</a>', reverse("comments:edit", args=[comment.pk])))
    if comment.can_delete(request.user):
        links.append(format_html('<a href="{}">Delete</a>', reverse("comments:delete", args=[comment.pk])))
    return "".join(links)


def pending_comment_form(request, article_id):
    """Personal part: text a reader typed before their session ran out comes back into the form
    after log-in. None (the form most readers get) otherwise."""
    pending = request.session.get(PENDING_KEY)
    if not pending or str(pending.get("article")) != str(article_id):
        return None
    article = Article.objects.published().filter(pk=int(article_id)).first()
    del request.session[PENDING_KEY]
    if article is None:
        return None
    form = CommentForm(initial={"parent": None, "body": pending.get("body", "")})
    context = {"article": article, "comment_form": form, "comment_error": None, "reply_target": None}
    return render_to_string("comments/comment_form.html", {**context, "request": request})


def comment_pages(article, number, num_pages):
    if num_pages == 1:
        return None
    base = article.get_absolute_url()
    return {
        "number": number,
        "num_pages": num_pages,
        "previous": f"{base}?comments={number - 1}#comments" if number > 1 else None,
        "next": f"{base}?comments={number + 1}#comments" if number < num_pages else None,
        "last": f"{base}?comments={num_pages}#comments" if number < num_pages else None,
    }


def render_with_comment_error(request, article, form, error=None, status=400):
    section = comments_context(request, article, form=form, error=error)
    return render_article(request, article, status=status, extensions_context=section)


@require_POST
def comment_create(request, slug):
    article = get_object_or_404(Article.objects.published().select_related("author", "category"), slug=slug)
    if not request.user.is_authenticated:
        # The session ran out while they typed: keep the text, and give it back after they log in.
        request.session[PENDING_KEY] = {"article": article.pk, "body": request.POST.get("body", "")[:5000]}
        login = reverse("accounts:login")
        return redirect(f"{login}?{urlencode({'next': article.get_absolute_url() + '#comments'})}")
    form = CommentForm(request.POST)
    if not form.is_valid():
        return render_with_comment_error(request, article, form)
    parent = None
    if form.cleaned_data["parent"]:
        parent = (
            Comment.objects.select_related("author", "parent").filter(pk=form.cleaned_data["parent"]).first()
        )
        if parent is None or parent.article_id != article.pk:
            error = "The comment you are replying to is not on this article (it may have been removed)."
            return render_with_comment_error(request, article, form, error)
    try:
        comment = post_comment(
            article=article, author=request.user, body=form.cleaned_data["body"], parent=parent
        )
    except CommentRefused as refusal:
        return render_with_comment_error(request, article, form, refusal.message, status=refusal.status)
    return redirect(comment)


def own_comment(request, pk):
    """The user's own comment; anyone else's is a 403, whatever the URL says."""
    comment = get_object_or_404(Comment.objects.select_related("article", "author"), pk=pk)
    if comment.author_id != request.user.pk:
        raise PermissionDenied("This is not your comment.")
    return comment


@login_required
@require_http_methods(["GET", "POST"])
def comment_edit(request, pk):
    comment = own_comment(request, pk)
    if not comment.can_edit(request.user):
        return render(request, "comments/comment_edit.html", {"comment": comment, "closed": True}, status=403)
    form = CommentEditForm(request.POST or None, initial={"body": comment.body})
    if request.method == "POST" and form.is_valid():
        try:
            edit_comment(comment=comment, editor=request.user, body=form.cleaned_data["body"])
        except CommentRefused as refusal:
            form.add_error(None, refusal.message)
            return render(
                request, "comments/comment_edit.html", {"comment": comment, "form": form}, status=403
            )
        messages.success(request, "Your comment has been updated.")
        return redirect(comment)
    status = 400 if request.method == "POST" else 200
    return render(request, "comments/comment_edit.html", {"comment": comment, "form": form}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def comment_delete(request, pk):
    comment = own_comment(request, pk)
    if request.method == "POST":
        delete_comment(comment=comment, user=request.user)
        messages.success(request, "Your comment has been deleted.")
        return redirect(comment)
    return render(request, "comments/comment_delete.html", {"comment": comment})
