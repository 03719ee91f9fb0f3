from django import forms

from products.transfer.cell_values import (
    COMMA,
    DAY_FIRST,
    ISO,
    MONTH_FIRST,
    POINT,
    ReadingOptions,
)
from products.transfer.reading import BadFile, check_size

ACCEPTED = (
    ".csv,.tsv,.txt,.xlsx,.ods,text/csv,text/tab-separated-values,"
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,"
    "application/vnd.oasis.opendocument.spreadsheet"
)


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label="File (CSV, .xlsx or .ods)",
        allow_empty_file=True,  # refused by the reader, with the others it refuses
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPTED}),
    )
    decimal = forms.ChoiceField(
        label="Decimal separator",
        choices=[
            (POINT, "Point: 1,234.50"),
            (COMMA, "Comma: 1.234,50"),
        ],
        initial=POINT,
        required=False,
        help_text="How the file writes prices written as text.",
    )
    date_order = forms.ChoiceField(
        label="Dates written as",
        choices=[
            (ISO, "YYYY-MM-DD (2027-06-30)"),
            (DAY_FIRST, "DD/MM/YYYY (30/06/2027)"),
            (MONTH_FIRST, "MM/DD/YYYY (06/30/2027)"),
        ],
        initial=ISO,
        required=False,
        help_text="A date written another way is refused, never guessed.",
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        try:
            check_size(upload.size)  # before reading a byte of it
        except BadFile as error:
            raise forms.ValidationError(str(error)) from None
        return upload

    def options(self):
        return ReadingOptions(
            decimal=self.cleaned_data.get("decimal") or POINT,
            date_order=self.cleaned_data.get("date_order") or ISO,
        )


class ImportConfirmForm(forms.Form):
    """The preview's confirmation: which kept file it showed. After rows were
    found to conflict with changes made since the preview: ``skip_conflicts``
    applies the others, ``again`` previews the kept file anew."""

    digest = forms.RegexField(regex=r"^[0-9a-f]{64}$", widget=forms.HiddenInput)
    skip_conflicts = forms.BooleanField(required=False, widget=forms.HiddenInput)
    again = forms.BooleanField(required=False, widget=forms.HiddenInput)
