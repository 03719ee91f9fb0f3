"""The staff table's products as a CSV or ``.xlsx`` file in the import's
columns (``products.transfer.exporting``), with the table's filters; streamed. And the
import's template, a CSV file of the same columns."""

from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from django.views.decorators.http import require_safe

from products.models import Product
from products.table.query import TableForm, with_margin
from products.transfer.exporting import EXAMPLE, XLSX_TYPE, csv_lines, rows, xlsx_file


def filtered(request):
    """The products the table shows with these filters, every page of them."""
    products = with_margin(Product.objects.select_related("category"))
    return TableForm(request.GET).filter(products)


def file_name(extension):
    return f"products-{timezone.localdate().isoformat()}.{extension}"


def csv_response(lines, name):
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_safe
def export_csv(request):
    return csv_response(csv_lines(rows(filtered(request))), file_name("csv"))


@require_safe
def import_template(request):
    """The import page's template: the header and one example row."""
    return csv_response(csv_lines([EXAMPLE]), "products-template.csv")


@require_safe
def export_xlsx(request):
    return FileResponse(
        xlsx_file(filtered(request)),
        as_attachment=True,
        filename=file_name("xlsx"),
        content_type=XLSX_TYPE,
    )
