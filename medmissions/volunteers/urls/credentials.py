"""URLs: credentials. Each area of the volunteers app keeps its own list; urls/__init__.py joins them."""

from django.urls import URLPattern, path

from medmissions.volunteers.views import credentials as views

urlpatterns: list[URLPattern] = [
    path("me/credentials/", views.my_credentials, name="credentials"),
    path("me/credentials/add/", views.add, name="credential_add"),
    path("people/<int:person_pk>/credentials/", views.person_credentials, name="person_credentials"),
    path("people/<int:person_pk>/credentials/add/", views.add_for_person, name="person_credential_add"),
    path("credentials/<int:pk>/edit/", views.edit, name="credential_edit"),
    path("credentials/<int:pk>/delete/", views.delete, name="credential_delete"),
    path("credentials/<int:pk>/document/", views.document, name="credential_document"),
    path("credentials/<int:pk>/verify/", views.verify, name="credential_verify"),
    path("verification/", views.verification_queue, name="verification_queue"),
    path("requirements/", views.requirements, name="requirements"),
    path("requirements/add/", views.requirement_add, name="requirement_add"),
    path("requirements/<int:pk>/edit/", views.requirement_edit, name="requirement_edit"),
    path("requirements/<int:pk>/delete/", views.requirement_delete, name="requirement_delete"),
]
