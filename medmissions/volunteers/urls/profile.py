"""URLs: profile. Each area of the volunteers app keeps its own list; urls/__init__.py joins them."""

from django.urls import URLPattern, path

from medmissions.volunteers.views import profile as views

urlpatterns: list[URLPattern] = [
    path("me/", views.my_profile, name="my_profile"),
    path("me/edit/<slug:step>/", views.wizard, name="wizard"),
    path("me/organisations/add/", views.add_affiliation, name="add_affiliation"),
    path("me/organisations/<int:pk>/withdraw/", views.withdraw_affiliation, name="withdraw_affiliation"),
    path("availability/<int:pk>/remove/", views.remove_availability, name="remove_availability"),
    path("people/", views.people, name="people"),
    path("people/register/", views.register_person, name="register_person"),
    path("people/<int:pk>/", views.person_detail, name="person"),
    path("people/<int:pk>/edit/<slug:step>/", views.person_wizard, name="person_wizard"),
]
