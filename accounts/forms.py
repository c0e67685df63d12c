import unicodedata

from django import forms
from django.contrib.auth.forms import AuthenticationForm, UserCreationForm
from django.core.validators import MaxLengthValidator
from django.db import IntegrityError, transaction
from django.db.models import Value
from django.db.models.functions import Lower

from accounts.models import User

USERNAME_TAKEN = "That username is taken. Try another."
EMAIL_TAKEN = "An account with this email already exists. Try logging in or resetting your password."
# Bidirectional overrides and isolates let a name display as something other than what it is.
BIDI_CONTROLS = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _has_control_characters(text, allowed=""):
    return any((unicodedata.category(ch) == "Cc" and ch not in allowed) or ch in BIDI_CONTROLS for ch in text)


def _taken(field, value):
    """Whether another account already has this value, compared the way the database constraint does."""
    return User.objects.alias(folded=Lower(field)).filter(folded=Lower(Value(value))).exists()


class ProfileFieldsMixin:
    def clean_display_name(self):
        display_name = self.cleaned_data["display_name"]
        if _has_control_characters(display_name):
            raise forms.ValidationError("Your display name can't contain control characters.")
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
        self.fields["email"].required = True
        self.fields["email"].widget.attrs["autocomplete"] = "email"
        self.fields["display_name"].widget.attrs["autocomplete"] = "nickname"
        self.fields[
            "display_name"
        ].help_text = (
            "Optional. Shown next to your articles and comments; your username is used if you leave it empty."
        )

    def clean_username(self):
        username = self.cleaned_data["username"]
        if _taken("username", username):
            raise forms.ValidationError(USERNAME_TAKEN, code="unique")
        return username

    def clean_email(self):
        email = User.objects.normalize_email(self.cleaned_data["email"])
        if _taken("email", email):
            raise forms.ValidationError(EMAIL_TAKEN, code="unique")
        return email

    def save_new_user(self):
        """Create the account, or return None with a field error if someone took the name meanwhile."""
        try:
            with transaction.atomic():
                return self.save()
        except IntegrityError as error:
            # A concurrent sign-up passed the same checks first; the constraint names its column.
            message = str(error).lower()
            if "username" in message:
                self.add_error("username", forms.ValidationError(USERNAME_TAKEN, code="unique"))
            elif "email" in message:
                self.add_error("email", forms.ValidationError(EMAIL_TAKEN, code="unique"))
            else:
                self.add_error(None, "We couldn't create that account. Please try again.")
            return None


class LoginForm(AuthenticationForm):
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
        fields = ("display_name", "bio")
        widgets = {"bio": forms.Textarea(attrs={"rows": 6})}
        help_texts = {"bio": "Optional. Shown on your author page. Plain text, up to 2,000 characters."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["display_name"].widget.attrs["autocomplete"] = "nickname"
