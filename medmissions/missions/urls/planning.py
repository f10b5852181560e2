"""URLs: planning. Each area of the missions app keeps its own list; urls/__init__.py joins them."""

from django.urls import URLPattern, path

from medmissions.missions.views import planning as views

urlpatterns: list[URLPattern] = [
    path("", views.mission_list, name="list"),
    path("add/", views.mission_add, name="add"),
    path("<int:pk>/", views.mission_detail, name="detail"),
    path("<int:pk>/edit/", views.mission_edit, name="edit"),
    path("<int:pk>/transitions/<slug:transition>/", views.mission_transition, name="transition"),
    path("<int:pk>/roles/add/", views.role_add, name="role_add"),
    path("roles/<int:pk>/edit/", views.role_edit, name="role_edit"),
    path("roles/<int:pk>/delete/", views.role_delete, name="role_delete"),
    path("needs/", views.needs, name="needs"),
    path("needs/add/", views.need_add, name="need_add"),
    path("needs/<int:pk>/", views.need_detail, name="need"),
    path("needs/<int:pk>/edit/", views.need_edit, name="need_edit"),
    path("needs/<int:pk>/confirm/", views.need_confirm, name="need_confirm"),
    path("needs/<int:pk>/withdraw/", views.need_withdraw, name="need_withdraw"),
]
