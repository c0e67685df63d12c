from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_safe

from accounts.views import mail_throttled
from newsletter.forms import SectionsForm, SubscribeForm
from newsletter.services import (
    change_sections,
    confirm_subscription,
    manage_token,
    read_confirm_token,
    read_manage_token,
    resubscribe,
    subscribe_account,
    subscription_of,
    unsubscribe,
)
from newsletter.tasks import send_subscribe_mail


@require_http_methods(["GET", "POST"])
def subscribe(request):
    """/newsletter/: a signed-in reader is subscribed at once with their account's (confirmed) address;
    anyone else gets a confirmation link by mail, and the same answer whether or not we know them."""
    if request.user.is_authenticated and request.user.email:
        return _subscribe_account(request)
    initial = {"email": request.GET.get("email", "")[:254], "scope": "all"}
    form = SubscribeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        refused = mail_throttled(request, "newsletter", email)
        if refused:
            return refused
        section_ids = [section.pk for section in form.chosen_sections]
        send_subscribe_mail.enqueue(email=email, all_sections=form.all_sections, section_ids=section_ids)
        return redirect("newsletter:subscribe-done")
    status = 400 if request.method == "POST" else 200
    return render(request, "newsletter/subscribe.html", {"form": form}, status=status)


def _subscribe_account(request):
    subscriber = subscription_of(request.user)
    form = SectionsForm.for_subscriber(subscriber, request.POST or None)
    if request.method == "POST" and form.is_valid():
        subscribe_account(user=request.user, all_sections=form.all_sections, sections=form.chosen_sections)
        messages.success(request, f"You're subscribed: the newsletter goes to {request.user.email}.")
        return redirect("newsletter:subscribe")
    subscribed = subscriber is not None and subscriber.is_subscribed
    context = {
        "form": form,
        "subscribed": subscribed,
        "manage_url": reverse("newsletter:manage", args=[manage_token(subscriber)]) if subscribed else "",
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "newsletter/subscribe.html", context, status=status)


@require_safe
def subscribe_done(request):
    return render(request, "newsletter/subscribe_done.html", {"days": settings.NEWSLETTER_CONFIRM_DAYS})


@require_http_methods(["GET", "POST"])
def confirm(request, token):
    """The link in the confirmation mail. Opening it shows a button; only pressing it (a POST)
    subscribes, so a mail scanner that follows links confirms nothing."""
    subscriber = read_confirm_token(token)
    if subscriber is None:
        return render(request, "newsletter/confirm.html", {"validlink": False}, status=400)
    if request.method == "POST":
        confirm_subscription(subscriber=subscriber)
        messages.success(request, "You're subscribed. Welcome!")
        return redirect("newsletter:manage", token=manage_token(subscriber))
    return render(request, "newsletter/confirm.html", {"validlink": True, "subscriber": subscriber})


@require_http_methods(["GET", "POST"])
def manage(request, token):
    """The link in every newsletter: change sections, leave, or come back."""
    subscriber = read_manage_token(token)
    if subscriber is None:
        return render(request, "newsletter/bad_link.html", status=400)
    action = request.POST.get("action")
    if action == "unsubscribe":
        unsubscribe(subscriber=subscriber)
        return render(request, "newsletter/unsubscribed.html", {"token": token})
    if action == "resubscribe":
        # The link was mailed to this address: following it proves the mailbox as a confirmation does.
        resubscribe(subscriber=subscriber)
        messages.success(request, "You're subscribed again.")
        return redirect("newsletter:manage", token=token)
    form = SectionsForm.for_subscriber(subscriber, request.POST if action == "save" else None)
    if action == "save" and subscriber.is_subscribed and form.is_valid():
        change_sections(subscriber=subscriber, all_sections=form.all_sections, sections=form.chosen_sections)
        messages.success(request, "Your choice has been saved.")
        return redirect("newsletter:manage", token=token)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "subscriber": subscriber}
    return render(request, "newsletter/manage.html", context, status=status)


# RFC 8058: a mail client posts "List-Unsubscribe=One-Click" here with no cookies and no CSRF token;
# the signed token in the address is the authentication.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe_view(request, token):
    """GET shows a button (link scanners follow links and must not unsubscribe anyone); POST, from
    that button or a mail client's one-click unsubscribe, leaves the list."""
    subscriber = read_manage_token(token)
    if subscriber is None:
        return render(request, "newsletter/bad_link.html", status=400)
    if request.method == "POST":
        unsubscribe(subscriber=subscriber)
        return render(request, "newsletter/unsubscribed.html", {"token": token})
    return render(request, "newsletter/unsubscribe.html", {"subscriber": subscriber})
