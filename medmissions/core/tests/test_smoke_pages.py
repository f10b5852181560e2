"""Every main page renders for a signed-in coordinator (a quick guard against template errors)."""

import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_main_pages_render(users, client_for, active_partnership, site, sending):
    from medmissions.partnerships.health import open_health_check

    check = open_health_check(active_partnership, actor=users["coordinator"])
    client = client_for(users["coordinator"])
    urls = [
        reverse("core:dashboard"),
        reverse("organizations:directory"),
        reverse("organizations:directory") + "?q=health&kind=hospital",
        reverse("organizations:detail", args=[sending.slug]),
        reverse("organizations:members", args=[sending.slug]),
        reverse("organizations:create"),
        reverse("sites:list"),
        reverse("sites:detail", args=[site.pk]),
        reverse("partnerships:list"),
        reverse("partnerships:propose"),
        reverse("partnerships:detail", args=[active_partnership.pk]),
        reverse("partnerships:edit", args=[active_partnership.pk]),
        reverse("partnerships:health_check", args=[active_partnership.pk, check.pk]),
        reverse("partnerships:create_action_item", args=[active_partnership.pk]),
        reverse("accounts:profile"),
        "/api/v1/openapi.json",
        "/api/v1/docs",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code, response.content[:2000])
    admin_client = client_for(users["admin"])
    assert admin_client.get(reverse("organizations:audit", args=[sending.slug])).status_code == 200
    anonymous = client_for(None)
    for name in ("core:home", "accounts:login", "accounts:signup", "accounts:password_reset"):
        assert anonymous.get(reverse(name)).status_code == 200
