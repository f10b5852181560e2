import pytest

from medmissions.core.models import Language
from medmissions.lib.pagination import MappedQuerySet


@pytest.mark.django_db
def test_only_the_served_page_is_transformed():
    transformed = []

    def transform(language):
        transformed.append(language.code)
        return {"code": language.code}

    mapped = MappedQuerySet(Language.objects.order_by("code"), transform)
    page = mapped[0:5]
    assert len(page) == 5
    assert transformed == [item["code"] for item in page]
    assert mapped.all().count() == Language.objects.count() > 5


@pytest.mark.django_db
def test_a_paginated_api_list_reads_a_bounded_number_of_rows(
    users, api_client_for, django_assert_max_num_queries
):
    client = api_client_for(users["coordinator"])
    # Token lookup, memberships, count, one page of rows and the prefetches: independent of list size.
    with django_assert_max_num_queries(12):
        response = client.get("/api/v1/sites?page=1")
    assert response.status_code == 200
