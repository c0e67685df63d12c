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

from accounts.forms import LoginForm, ProfileForm, SignupForm


def safe_next(request, fallback="articles:home"):
    """The ?next= target when it stays on this site, else the fallback (a URL name or path)."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return resolve_url(fallback) if fallback else ""


class BadRequestOnInvalidMixin:
    """A form that fails validation re-renders with status 400, as everywhere on the site."""

    def form_invalid(self, form):
        response = super().form_invalid(form)
        response.status_code = 400
        return response


class LoginView(BadRequestOnInvalidMixin, auth_views.LoginView):
    form_class = LoginForm
    redirect_authenticated_user = True


class PasswordChangeView(BadRequestOnInvalidMixin, auth_views.PasswordChangeView):
    pass


class PasswordResetView(BadRequestOnInvalidMixin, auth_views.PasswordResetView):
    @property
    def extra_email_context(self):
        return {"site_name": settings.SITE_NAME, "valid_hours": settings.PASSWORD_RESET_TIMEOUT // 3600}


class PasswordResetConfirmView(BadRequestOnInvalidMixin, auth_views.PasswordResetConfirmView):
    def form_valid(self, form):
        response = super().form_valid(form)
        # Whoever reads the account's mailbox may log in again at once, even during a lockout.
        axes_reset(username=form.user.get_username())
        return response


def signup(request):
    if request.user.is_authenticated:
        return redirect("accounts:profile")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save_new_user()
        if user is not None:
            login(request, user, backend="accounts.backends.CachedModelBackend")
            messages.success(request, "Welcome! Your account is ready.")
            return HttpResponseRedirect(safe_next(request))
    status = 400 if request.method == "POST" else 200
    return render(
        request, "accounts/signup.html", {"form": form, "next": safe_next(request, "")}, status=status
    )


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


def locked_out(request, original_response=None, credentials=None):
    """django-axes' lockout answer (AXES_LOCKOUT_CALLABLE): our page, 429, and Retry-After so that
    scripts and well-behaved clients know when to come back."""
    cool_off = get_cool_off(request)
    context = {"failure_limit": get_failure_limit(request, credentials), "cooloff_timedelta": cool_off}
    response = render(request, "accounts/locked_out.html", context, status=429)
    if cool_off:
        response["Retry-After"] = str(int(cool_off.total_seconds()))
    return response
