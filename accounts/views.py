from axes.helpers import get_cool_off, get_failure_limit
from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_safe

from accounts.forms import EmailForm, LoginForm, ProfileForm, SignupForm
from accounts.mail import BadUnsubscribeLink, read_unsubscribe_token
from accounts.services import confirm_account, delete_expired_signups, read_confirmation_token
from accounts.tasks import resend_signup_mail, send_password_reset, send_signup_mail
from accounts.throttling import client_ip, hit


def _safe(request, target):
    allowed = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if allowed else ""


def safe_next(request, fallback="articles:home"):
    """The ?next= target when it stays on this site, else the fallback (a URL name or path)."""
    target = _safe(request, request.POST.get("next") or request.GET.get("next") or "")
    return target or (resolve_url(fallback) if fallback else "")


class BadRequestOnInvalidMixin:
    """A form that fails validation re-renders with status 400, as everywhere on the site."""

    def form_invalid(self, form):
        response = super().form_invalid(form)
        response.status_code = 400
        return response


class SiteNameMixin:
    """Django's auth views put the request's host into `site_name` (from the sites framework, or
    the host without it), shadowing ours: these pages are branded like every other page."""

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "site_name": settings.SITE_NAME}


class LoginView(SiteNameMixin, BadRequestOnInvalidMixin, auth_views.LoginView):
    form_class = LoginForm
    redirect_authenticated_user = True


class LogoutView(SiteNameMixin, auth_views.LogoutView):
    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        messages.success(request, "You have logged out.")
        return response


class PasswordChangeView(SiteNameMixin, BadRequestOnInvalidMixin, auth_views.PasswordChangeView):
    pass


class PasswordChangeDoneView(SiteNameMixin, auth_views.PasswordChangeDoneView):
    pass


def links_for(request):
    """What a background task needs to build links back to this site."""
    return {"domain": request.get_host(), "use_https": request.is_secure()}


def too_many(request, message, retry_after):
    """429 with our explanation, and Retry-After for scripts and well-behaved clients."""
    minutes = -(-retry_after // 60)
    context = {"message": message, "minutes": minutes}
    response = render(request, "accounts/throttled.html", context, status=429)
    response["Retry-After"] = str(retry_after)
    return response


TOO_MANY_FROM_NETWORK = "There have been too many requests for emails from your network."
TOO_MANY_TO_ADDRESS = "We've already sent several emails to that address in the last hour."


def mail_throttled(request, kind, email, *, per_client=True):
    """The 429 when this client address (unless per_client is off) or this email address has had too
    many account mails of `kind` this hour, else None. Counted the same whether or not the address
    has an account."""
    if per_client:
        wait = hit(f"{kind}-mail-ip", client_ip(request), settings.ACCOUNT_MAILS_MAX_PER_HOUR_PER_IP)
        if wait:
            return too_many(request, TOO_MANY_FROM_NETWORK, wait)
    wait = hit(f"{kind}-mail-email", email, settings.ACCOUNT_MAILS_MAX_PER_HOUR_PER_EMAIL)
    if wait:
        return too_many(request, TOO_MANY_TO_ADDRESS, wait)
    return None


class PasswordResetView(SiteNameMixin, BadRequestOnInvalidMixin, auth_views.PasswordResetView):
    def form_valid(self, form):
        """Queue the look-up and the mail: the same small work for a known and an unknown address,
        and a slow mail relay never holds up the request."""
        email = form.cleaned_data["email"]
        refused = mail_throttled(self.request, "reset", email)
        if refused:
            return refused
        send_password_reset.enqueue(email=email, **links_for(self.request))
        return HttpResponseRedirect(self.get_success_url())


class PasswordResetDoneView(SiteNameMixin, auth_views.PasswordResetDoneView):
    pass


class PasswordResetConfirmView(SiteNameMixin, BadRequestOnInvalidMixin, auth_views.PasswordResetConfirmView):
    def form_valid(self, form):
        response = super().form_valid(form)
        # Whoever reads the account's mailbox may log in again at once, even during a lockout.
        axes_reset(username=form.user.get_username())
        return response


class PasswordResetCompleteView(SiteNameMixin, auth_views.PasswordResetCompleteView):
    pass


def signup(request):
    if request.user.is_authenticated:
        return redirect("accounts:profile")
    if request.method == "POST":
        delete_expired_signups()
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        wait = hit("signup-ip", client_ip(request), settings.SIGNUP_MAX_PER_HOUR_PER_IP)
        if wait:
            return too_many(request, "Too many accounts have been created from your network.", wait)
        # Sign-ups from this client are limited just above; this is the mailbox's own limit.
        refused = mail_throttled(request, "signup", form.cleaned_data["email"], per_client=False)
        if refused:
            return refused
        user = form.save_unconfirmed()
        if user is not None:
            # The worker mails either the link or, to an address that has an account, a note saying so:
            # this answer and this work are the same either way.
            send_signup_mail.enqueue(user_id=user.pk, next_url=safe_next(request, ""), **links_for(request))
            return redirect("accounts:signup-done")
    status = 400 if request.method == "POST" else 200
    return render(
        request, "accounts/signup.html", {"form": form, "next": safe_next(request, "")}, status=status
    )


@require_safe
def signup_done(request):
    context = {"form": EmailForm(), "days": settings.SIGNUP_CONFIRM_DAYS}
    return render(request, "accounts/signup_done.html", context)


@require_http_methods(["GET", "POST"])
def signup_resend(request):
    form = EmailForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        refused = mail_throttled(request, "signup", email)
        if refused:
            return refused
        resend_signup_mail.enqueue(email=email, **links_for(request))
        return redirect("accounts:signup-done")
    status = 400 if request.method == "POST" else 200
    return render(request, "accounts/signup_resend.html", {"form": form}, status=status)


@require_http_methods(["GET", "POST"])
def signup_confirm(request, token):
    """The link in the sign-up mail. Opening it shows a button; only pressing it (a POST) activates the
    account and logs in, so a mail scanner that follows links confirms nothing."""
    user, next_url = read_confirmation_token(token)
    if user is None:
        return render(request, "accounts/signup_confirm.html", {"validlink": False}, status=400)
    if request.method == "POST":
        if not confirm_account(user=user):
            return render(request, "accounts/signup_confirm.html", {"address_taken": True}, status=409)
        login(request, user, backend="accounts.backends.CachedModelBackend")
        messages.success(request, "Welcome! Your account is ready.")
        return HttpResponseRedirect(_safe(request, next_url) or resolve_url("articles:home"))
    return render(request, "accounts/signup_confirm.html", {"validlink": True, "new_user": user})


@login_required
def profile(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Your profile has been saved.")
        return redirect("accounts:profile")
    if request.method == "POST":
        # A refused edit must not leak into the header of this very page.
        request.user.refresh_from_db(fields=["display_name", "bio"])
    status = 400 if request.method == "POST" else 200
    return render(request, "accounts/profile.html", {"form": form}, status=status)


# RFC 8058: a mail client's one-click POST carries no CSRF token and no session. The signed token in
# the address is the only authority, and all it can do is stop one kind of mail to its recipient.
@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request, token):
    """GET asks (link scanners open links too); POST unsubscribes, from the page's button or the
    mail client's "Unsubscribe"."""
    try:
        kind, recipient = read_unsubscribe_token(token)
    except BadUnsubscribeLink:
        return render(request, "accounts/unsubscribe.html", {"valid": False}, status=400)
    if request.method == "POST":
        kind.unsubscribe(recipient)
        return render(request, "accounts/unsubscribe.html", {"valid": True, "kind": kind, "done": True})
    subscribed = kind.is_subscribed(recipient)
    return render(
        request, "accounts/unsubscribe.html", {"valid": True, "kind": kind, "subscribed": subscribed}
    )


def locked_out(request, original_response=None, credentials=None):
    """django-axes' lockout answer (AXES_LOCKOUT_CALLABLE): our page, 429, and Retry-After so that
    scripts and well-behaved clients know when to come back."""
    cool_off = get_cool_off(request)
    context = {"failure_limit": get_failure_limit(request, credentials), "cooloff_timedelta": cool_off}
    response = render(request, "accounts/locked_out.html", context, status=429)
    if cool_off:
        response["Retry-After"] = str(int(cool_off.total_seconds()))
    return response
