from django import forms
from django.db.models.functions import Lower

from accounts.models import User
from articles.models import Category


class SectionsForm(forms.Form):
    """What a subscriber receives: every article, or those of the sections they choose."""

    scope = forms.ChoiceField(
        label="Send me",
        choices=[
            ("all", "Every article we send out"),
            ("sections", "Only articles from the sections I choose"),
        ],
        widget=forms.RadioSelect,
        initial="all",
    )
    sections = forms.ModelMultipleChoiceField(
        label="Sections",
        queryset=Category.objects.order_by(Lower("name"), "name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("scope") == "sections" and not cleaned.get("sections"):
            self.add_error("sections", "Choose at least one section, or every article.")
        return cleaned

    @property
    def all_sections(self):
        return self.cleaned_data["scope"] == "all"

    @property
    def chosen_sections(self):
        return [] if self.all_sections else list(self.cleaned_data["sections"])

    @classmethod
    def for_subscriber(cls, subscriber, data=None):
        initial = {"scope": "all"}
        if subscriber is not None and not subscriber.all_sections:
            initial = {"scope": "sections", "sections": [s.pk for s in subscriber.sections.all()]}
        return cls(data, initial=initial)


class SubscribeForm(SectionsForm):
    email = forms.EmailField(
        label="Email", max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    field_order = ["email", "scope", "sections"]

    def clean_email(self):
        return User.objects.normalize_email(self.cleaned_data["email"])
