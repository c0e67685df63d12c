"""Sign-up confirmation: the signed link, activating the account, and forgetting expired sign-ups."""

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction

from accounts.models import User

CONFIRMATION_SALT = "accounts.signup-confirmation"


def unconfirmed_accounts():
    """Sign-ups still waiting for their link to be opened, and not yet expired."""
    return User.objects.filter(awaiting_confirmation=True, date_joined__gte=User.unconfirmed_cutoff())


def delete_expired_signups():
    """Forget sign-ups whose link was never opened in time, so their usernames are free again."""
    expired = User.objects.filter(awaiting_confirmation=True, date_joined__lt=User.unconfirmed_cutoff())
    return expired.delete()[0]


def confirmation_token(*, user, next_url=""):
    """Signed and timestamped: nobody can make one, and it expires with the sign-up."""
    return signing.dumps({"id": user.pk, "username": user.username, "next": next_url}, salt=CONFIRMATION_SALT)


def read_confirmation_token(token):
    """(the waiting account, the page to go to next) for a good link; (None, "") for a forged, expired
    or already used one."""
    try:
        data = signing.loads(
            token, salt=CONFIRMATION_SALT, max_age=timedelta(days=settings.SIGNUP_CONFIRM_DAYS)
        )
    except signing.BadSignature:
        return None, ""
    user = unconfirmed_accounts().filter(pk=data.get("id"), username=data.get("username")).first()
    return user, (data.get("next") or "") if user else ""


def confirm_account(*, user):
    """Activate the account; False if the address got a confirmed account meanwhile (it stays unconfirmed)."""
    user.is_active = True
    user.awaiting_confirmation = False
    try:
        with transaction.atomic():
            user.save(update_fields=["is_active", "awaiting_confirmation"])
            # Other sign-ups with this address can never be confirmed now: free their usernames.
            User.objects.filter(awaiting_confirmation=True, email__iexact=user.email).delete()
    except IntegrityError:
        user.is_active = False
        user.awaiting_confirmation = True
        return False
    return True
