from django import forms

from comments.formatting import clean_text
from comments.models import MAX_LENGTH


class CommentForm(forms.Form):
    body = forms.CharField(
        label="Your comment",
        max_length=MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5, "maxlength": MAX_LENGTH}),
        help_text=f"Plain text, up to {MAX_LENGTH:,} characters. Links become clickable.",
        error_messages={
            "required": "Write something before posting.",
            "max_length": f"Comments can be at most {MAX_LENGTH:,} characters (this one has %(show_value)d).",
        },
    )
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)

    def full_clean(self):
        super().full_clean()
        # Without JavaScript too, the cursor lands in the field to fix (widgets are per form).
        for name in self.errors:
            if name in self.fields:
                self.fields[name].widget.attrs["autofocus"] = True
                break

    def clean_body(self):
        body = clean_text(self.cleaned_data["body"])
        if not body:
            raise forms.ValidationError("Write something before posting.")
        return body


class CommentEditForm(CommentForm):
    parent = None
