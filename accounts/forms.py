import unicodedata

from django import forms
from django.contrib.auth.forms import AuthenticationForm, UserCreationForm
from django.core.validators import MaxLengthValidator
from django.db import IntegrityError, transaction
from django.db.models import Value
from django.db.models.functions import Lower

from accounts.models import USERNAME_LOOKALIKE, User
from accounts.names import is_reserved, looks_like_staff, name_key

USERNAME_TAKEN = "That username is taken. Try another."
USERNAME_RESERVED = "That username is reserved for the site. Try another."
DISPLAY_NAME_RESERVED = "That display name is reserved for the site. Choose another."
LOOKS_LIKE_STAFF = "That name looks like the name of a member of staff. Choose another."
# Bidirectional overrides and isolates let a name display as something other than what it is.
BIDI_CONTROLS = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _has_control_characters(text, allowed=""):
    return any((unicodedata.category(ch) == "Cc" and ch not in allowed) or ch in BIDI_CONTROLS for ch in text)


def _taken(field, value):
    """Whether another account already has this value, compared the way the database constraint does."""
    return User.objects.alias(folded=Lower(field)).filter(folded=Lower(Value(value))).exists()


def _staff_names(exclude=None):
    """Every staff member's username and display name (a handful of rows)."""
    rows = User.objects.filter(is_staff=True).exclude(pk=exclude).values_list("username", "display_name")
    return [name for row in rows for name in row if name]


class ProfileFieldsMixin:
    def clean_display_name(self):
        display_name = self.cleaned_data["display_name"]
        if _has_control_characters(display_name):
            raise forms.ValidationError("Your display name can't contain control characters.")
        if display_name and is_reserved(display_name):
            raise forms.ValidationError(DISPLAY_NAME_RESERVED, code="reserved")
        # Staff are who they are: only others are kept from reading like them.
        if display_name and looks_like_staff(display_name, _staff_names(exclude=self.instance.pk)):
            raise forms.ValidationError(LOOKS_LIKE_STAFF, code="staff")
        return display_name

    def clean_bio(self):
        bio = self.cleaned_data["bio"]
        if _has_control_characters(bio, allowed="\n\r\t"):
            raise forms.ValidationError("Your bio can't contain control characters.")
        return bio


class SignupForm(ProfileFieldsMixin, UserCreationForm):
    class Meta(UserCreationForm.Meta):
        model = User
        # Only these fields are read from the POST: is_staff and friends can never be set here.
        fields = ("username", "email", "display_name")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Set before validation, so the model checks it as what it is: an account nobody confirmed yet.
        self.instance.is_active = False
        self.instance.awaiting_confirmation = True
        self.fields["email"].required = True
        self.fields["email"].widget.attrs["autocomplete"] = "email"
        self.fields["email"].help_text = "We'll send you a link to confirm it."
        self.fields["display_name"].widget.attrs["autocomplete"] = "nickname"
        self.fields[
            "display_name"
        ].help_text = (
            "Optional. Shown next to your articles and comments; your username is used if you leave it empty."
        )

    def clean_username(self):
        # Usernames are public (every comment shows one), so saying one is taken tells nobody anything.
        username = self.cleaned_data["username"]
        if _taken("username", username):
            raise forms.ValidationError(USERNAME_TAKEN, code="unique")
        if is_reserved(username):
            raise forms.ValidationError(USERNAME_RESERVED, code="reserved")
        if User.objects.filter(username_skeleton=name_key(username)).exists():
            raise forms.ValidationError(USERNAME_LOOKALIKE, code="lookalike")
        if looks_like_staff(username, _staff_names()):
            raise forms.ValidationError(LOOKS_LIKE_STAFF, code="staff")
        return username

    def clean_email(self):
        # Never "already registered": the confirmation mail tells the address's owner instead.
        return User.objects.normalize_email(self.cleaned_data["email"])

    def save_unconfirmed(self):
        """Create the account, inactive until its owner opens the mailed link; or return None with a
        field error if another sign-up took the name (or a look-alike) meanwhile."""
        user = self.save(commit=False)
        try:
            with transaction.atomic():
                user.save()
        except IntegrityError as error:
            # A concurrent sign-up passed the same checks first; the constraint names its column.
            message = str(error).lower()
            if "skeleton" in message:
                self.add_error("username", forms.ValidationError(USERNAME_LOOKALIKE, code="lookalike"))
            elif "username" in message:
                self.add_error("username", forms.ValidationError(USERNAME_TAKEN, code="unique"))
            else:
                self.add_error(None, "We couldn't create that account. Please try again.")
            return None
        return user


class EmailForm(forms.Form):
    """One email address: asking for the sign-up link again."""

    email = forms.EmailField(
        label="Email", max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )

    def clean_email(self):
        return User.objects.normalize_email(self.cleaned_data["email"])


class LoginForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        # Django's text says both fields may be case-sensitive; here only the password is.
        "invalid_login": (
            "That username and password don't match an account. Check the password: capitals count "
            "there (not in the username)."
        ),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # AuthenticationForm sets max_length after building the field, so nothing enforces it; an
        # over-long name would reach django-axes, whose 255-character column refuses it (a 500 on PostgreSQL).
        username = self.fields["username"]
        username.validators.append(MaxLengthValidator(username.max_length))

    def clean(self):
        # Usernames are unique whatever their case, so "Alice" logs in as "alice"; passing the stored
        # spelling on also makes django-axes count every spelling against one account.
        username = self.cleaned_data.get("username")
        if username:
            stored = (
                User.objects.alias(folded=Lower("username"))
                .filter(folded=Lower(Value(username)))
                .values_list("username", flat=True)
                .first()
            )
            if stored:
                self.cleaned_data["username"] = stored
        return super().clean()


class ProfileForm(ProfileFieldsMixin, forms.ModelForm):
    class Meta:
        model = User
        fields = ("display_name", "bio", "notify_replies", "notify_article_comments")
        widgets = {"bio": forms.Textarea(attrs={"rows": 6})}
        help_texts = {
            "bio": "Optional. Shown on your author page. Plain text, up to 2,000 characters.",
            "notify_replies": "One email per reply, or one for several that come within a few minutes.",
            "notify_article_comments": "Each new comment by someone else on an article you wrote.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["display_name"].widget.attrs["autocomplete"] = "nickname"
        # Staff write the articles; anyone else who has it on (a former member of staff) may turn it off.
        # Asking whether a reader wrote an article would cost every profile page a query.
        if not (self.instance.is_staff or self.instance.notify_article_comments):
            del self.fields["notify_article_comments"]
