from django import forms

from .reading import BadFile, check_size


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        allow_empty_file=True,  # refused by the reader, with the others it refuses
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        try:
            check_size(upload.size)  # before reading a byte of it
        except BadFile as error:
            raise forms.ValidationError(str(error)) from None
        return upload


class ImportConfirmForm(forms.Form):
    """The preview's confirmation: which kept file it showed. After rows were
    found to conflict with changes made since the preview: ``skip_conflicts``
    applies the others, ``again`` previews the kept file anew."""

    digest = forms.RegexField(regex=r"^[0-9a-f]{64}$", widget=forms.HiddenInput)
    skip_conflicts = forms.BooleanField(required=False, widget=forms.HiddenInput)
    again = forms.BooleanField(required=False, widget=forms.HiddenInput)
