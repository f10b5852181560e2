"""URLs: privacy. Each area of the volunteers app keeps its own list; urls/__init__.py joins them."""

from django.urls import URLPattern, path

from medmissions.volunteers.views import privacy

urlpatterns: list[URLPattern] = [
    path("me/data/", privacy.my_data, name="my_data"),
    path("me/erase/", privacy.erase_account, name="erase_account"),
]
