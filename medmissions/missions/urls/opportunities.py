"""URLs: opportunities. Each area of the missions app keeps its own list; urls/__init__.py joins them."""

from django.urls import URLPattern, path

from medmissions.missions.views import opportunities as views

urlpatterns: list[URLPattern] = [
    path("opportunities/", views.opportunities, name="opportunities"),
    path("opportunities/<int:pk>/", views.opportunity, name="opportunity"),
    path("roles/<int:pk>/apply/", views.apply, name="apply"),
    path("applications/<int:pk>/withdraw/", views.application_withdraw, name="application_withdraw"),
    path("applications/<int:pk>/review/", views.application_review, name="application_review"),
    path("applications/<int:pk>/accept/", views.application_accept, name="application_accept"),
    path("<int:pk>/applications/", views.applications_tab, name="applications"),
    path("mine/", views.mine, name="mine"),
    path("saved-searches/", views.saved_searches, name="saved_searches"),
    path("saved-searches/add/", views.saved_search_add, name="saved_search_add"),
    path("saved-searches/<int:pk>/edit/", views.saved_search_edit, name="saved_search_edit"),
    path("saved-searches/<int:pk>/delete/", views.saved_search_delete, name="saved_search_delete"),
]
