import math
import re

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
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

from articles.models import Article, has_published
from articles.views import render_article
from comments.forms import CommentEditForm, CommentForm
from comments.models import PAGE_SIZE, Comment
from comments.services import CommentRefused, delete_comment, edit_comment, post_comment
from newsblog.cache import PAGE_TIMEOUT, current_entry

PENDING_KEY = "pending_comment"


def comments_context(request, article, form=None, error=None):
    """The comments section of an article page.

    The list itself is the same for every visitor, and for every signed-in reader except the Edit
    and Delete links on their own comments: it is rendered once per content generation and cached,
    and those links (and the form) are filled in per reader.
    """
    try:
        number = int(request.GET.get("comments") or 1)
    except ValueError:
        raise Http404("There is no such page of comments.") from None
    user = request.user
    section = comment_list(article, number, member=user.is_authenticated)
    shell = getattr(request, "member_shell", None)
    if shell is not None:
        # The shared copy of a signed-in reader's page: fill_personal_parts() below finishes it.
        # It carries the empty form most readers get; a reply or restored text is rendered then.
        shell["comments"] = {"article": article, "comments": section["comments"]}
        return {
            "comments_html": mark_safe(section["html"]),  # noqa: S308 - rendered by our template
            "comment_form": CommentForm(initial={"parent": None}),
            "comment_error": None,
            "reply_target": None,
        }
    html = section["html"]
    personal = {"comment_form": form, "comment_error": error, "reply_target": None}
    if user.is_authenticated:
        html = with_own_actions(html, section["comments"], user)
        personal = reader_form_context(request, article, section["comments"], form, error)
    return {"comments_html": mark_safe(html), **personal}  # noqa: S308 - rendered by our template


def reader_form_context(request, article, comments, form=None, error=None):
    """The comment form for a signed-in reader: a reply when ?reply_to= names a visible comment,
    with any text they typed before their session ran out."""
    reply_target = None
    target = comments.get(request.GET.get("reply_to", ""))
    if target is not None and target["state"] == Comment.State.VISIBLE:
        reply_target = {"pk": int(request.GET["reply_to"]), "name": target["name"]}
    if form is None:
        form = CommentForm(initial=restore_pending(request, article, reply_target))
    return {"comment_form": form, "comment_error": error, "reply_target": reply_target}


FORM_START, FORM_END = "<!--newsblog:comment-form-->", "<!--/newsblog:comment-form-->"


def fill_personal_parts(request, html, data):
    """Finish a signed-in reader's shared page copy: their Edit/Delete links and the comment form."""
    info = data.get("comments")
    if info is None:
        return html
    article, comments = info["article"], info["comments"]
    html = with_own_actions(html, comments, request.user)
    start, end = html.find(FORM_START), html.find(FORM_END)
    if start == -1 or end == -1:
        return html
    context = reader_form_context(request, article, comments)
    if context["reply_target"] is None and not context["comment_form"].initial.get("body"):
        form_html = html[start + len(FORM_START) : end]  # the empty form the copy was stored with
    else:
        context["article"] = article
        form_html = render_to_string("comments/comment_form.html", context, request=request)
    return html[:start] + form_html + html[end + len(FORM_END) :]


OWN_ACTIONS = re.compile(r"<!--own:\d+-->")


def comment_list(article, number, *, member):
    """{"html", "comments": {id: author, name, created, state}} for one page of threads."""
    key = f"newsblog:comments:{article.pk}:{number}:{'member' if member else 'visitor'}"
    cached = settings.NEWSBLOG_PAGE_CACHE
    if cached:
        generation, stored = current_entry(key)
        if stored is not None:
            return stored
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
    context = {
        "article": article,
        "comments": threads,
        "comment_pages": comment_pages(article, number, num_pages),
        "member": member,
    }
    everyone = [item for comment in threads for item in (comment, *comment.replies.all())]
    section = {
        "html": render_to_string("comments/comment_list.html", context),
        "comments": {
            str(c.pk): {
                "author": c.author_id,
                "name": c.author.public_name,
                "created": c.created_at,
                "state": c.state,
            }
            for c in everyone
        },
    }
    if cached:
        cache.set(key, {**section, "generation": generation}, PAGE_TIMEOUT)
    return section


def with_own_actions(html, comments, user):
    """Fill in Edit/Delete on the reader's own comments (the same rules as the views enforce) and
    drop the markers of everyone else's."""
    user_pk = user.pk  # once: request.user is a lazy object, slow to read 200 times
    for pk, info in comments.items():
        if info["author"] != user_pk:
            continue
        comment = Comment(
            pk=int(pk), author_id=info["author"], created_at=info["created"], state=info["state"]
        )
        links = []
        if comment.can_edit(user):
            links.append(format_html('<a href="{}">Edit</a>', reverse("comments:edit", args=[comment.pk])))
        if comment.can_delete(user):
            links.append(
                format_html('<a href="{}">Delete</a>', reverse("comments:delete", args=[comment.pk]))
            )
        html = html.replace(f"<!--own:{pk}-->", "".join(links))
    return OWN_ACTIONS.sub("", html)


def restore_pending(request, article, reply_target):
    """Text a reader typed before their session ran out comes back into the form after log-in."""
    initial = {"parent": reply_target["pk"] if reply_target else None}
    pending = request.session.get(PENDING_KEY)
    if pending and pending.get("article") == article.pk:
        del request.session[PENDING_KEY]
        initial["body"] = pending.get("body", "")
    return initial


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
