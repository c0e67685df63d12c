"""The markdownx endpoints behind the admin editor, for staff only.

We serve them ourselves rather than include markdownx.urls: its views answer anyone, and its upload
form trusts the client's content type and keeps SVG. These use the site's renderer and image checks.
"""

from functools import wraps

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.http import HttpResponse, HttpResponseBadRequest, JsonResponse
from django.views.decorators.http import require_POST

from articles.images import ImageStorageError, store_image
from articles.markdown import BODY_MAX_LENGTH, MarkdownTooComplex, render_markdown

UPLOAD_PREFIX = "markdownx/"


def staff_only(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not (request.user.is_active and request.user.is_staff):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


@require_POST
@staff_only
def markdownify(request):
    content = request.POST.get("content")
    if content is None:
        return HttpResponseBadRequest("Send the Markdown to preview in the 'content' field.")
    # The editor's script shows any answer in the preview pane, so refusals are plain sentences.
    if len(content) > BODY_MAX_LENGTH:
        return HttpResponse(
            f"Too long to preview: the body has {len(content):,} characters; "
            f"the limit is {BODY_MAX_LENGTH:,}.",
            status=413,
            content_type="text/plain; charset=utf-8",
        )
    try:
        html = render_markdown(content)
    except MarkdownTooComplex as exc:
        return HttpResponseBadRequest(str(exc), content_type="text/plain; charset=utf-8")
    response = HttpResponse(html)
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
@staff_only
def upload(request):
    uploaded = request.FILES.get("image")
    if uploaded is None:
        return JsonResponse({"image": ["Choose an image to upload."]}, status=400)
    try:
        stored = store_image(
            uploaded,
            storage=default_storage,
            name_for=lambda filename: UPLOAD_PREFIX + filename,
            renditions=False,
        )
    except ValidationError as exc:
        return JsonResponse({"image": exc.messages}, status=400)
    except ImageStorageError as exc:
        # 507 Insufficient Storage: the server, not the file, is at fault; nothing was kept.
        return JsonResponse({"image": [exc.message]}, status=507)
    return JsonResponse({"image_code": f"![]({default_storage.url(stored.name)})"})
