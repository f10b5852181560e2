"""URLs of the requests area: supply requests, their lines, kits and lifecycle, and donation
offers answering them (or made unrequested)."""

from django.urls import URLPattern, path

from medmissions.supplies.views import requests as views

urlpatterns: list[URLPattern] = [
    path("requests/", views.request_list, name="requests"),
    path("requests/new/", views.request_create, name="request_create"),
    path("requests/<int:pk>/", views.request_detail, name="request"),
    path("requests/<int:pk>/edit/", views.request_edit, name="request_edit"),
    path("requests/<int:pk>/lines/", views.request_add_line, name="request_add_line"),
    path("requests/<int:pk>/kits/", views.request_add_kit, name="request_add_kit"),
    path("requests/<int:pk>/lines/<int:line_pk>/", views.request_change_line, name="request_change_line"),
    path(
        "requests/<int:pk>/lines/<int:line_pk>/remove/", views.request_remove_line, name="request_remove_line"
    ),
    path("requests/<int:pk>/submit/", views.request_submit, name="request_submit"),
    path("requests/<int:pk>/cancel/", views.request_cancel, name="request_cancel"),
    path("requests/<int:pk>/close/", views.request_close, name="request_close"),
    path("requests/<int:pk>/shelf-life/", views.request_shelf_life, name="request_shelf_life"),
    path("offers/", views.offer_list, name="offers"),
    path("offers/new/", views.offer_create, name="offer_create"),
    path("offers/<int:pk>/", views.offer_detail, name="offer"),
    path("offers/<int:pk>/decide/", views.offer_decide, name="offer_decide"),
    path("offers/<int:pk>/withdraw/", views.offer_withdraw, name="offer_withdraw"),
]
