"""Forms of the account pages."""

from __future__ import annotations

from django import forms


class AccountDeleteForm(forms.Form):
    """Deleting cannot be undone, so the player types their username: a click alone is too easy."""

    confirm = forms.CharField(label="Type your username to confirm", max_length=150, strip=True)

    def __init__(self, *args, username: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.username = username
        self.fields["confirm"].widget.attrs.update({"autocomplete": "off", "spellcheck": "false"})

    def clean_confirm(self) -> str:
        typed = self.cleaned_data["confirm"]
        if typed != self.username:
            raise forms.ValidationError(
                "That is not your username; type it exactly as shown to delete your account."
            )
        return typed
