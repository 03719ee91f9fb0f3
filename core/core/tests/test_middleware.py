"""Query strings with NUL characters are refused with 400, never a 500."""

import pytest

from products.tests.factories import ProductFactory


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query", ["q=%00", "q=mug%00", "category=%00", "sort=%00", "page=%00", "%00=1"]
)
def test_the_catalog_refuses_nul_in_the_query(client, query):
    ProductFactory()
    response = client.get(f"/products/?{query}")
    assert response.status_code == 400


@pytest.mark.parametrize(
    "url",
    [
        "/admin/products/productchange/?q=%00",
        "/admin/products/productchange/?action__exact=%00",
        "/admin/products/product/?q=%00",
        "/dashboard/products/?actor=%00",
    ],
)
def test_staff_filters_refuse_nul_in_the_query(superuser_client, url):
    assert superuser_client.get(url).status_code == 400


@pytest.mark.django_db
def test_ordinary_queries_still_pass(client):
    assert client.get("/products/?q=mug&sort=name").status_code == 200


@pytest.mark.django_db(transaction=True)
async def test_the_middleware_refuses_on_the_async_path_too(async_client):
    response = await async_client.get("/products/?q=%00")
    assert response.status_code == 400
