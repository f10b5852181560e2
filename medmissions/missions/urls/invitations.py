"""URLs: invitations. Each area of the missions app keeps its own list; urls/__init__.py joins them."""

from django.urls import URLPattern, path

from medmissions.missions.views import invitations as views

urlpatterns: list[URLPattern] = [
    path("invitations/", views.mine, name="invitations"),
    path("invitations/<int:pk>/", views.detail, name="invitation"),
    path("invitations/<int:pk>/respond/", views.respond, name="invitation_respond"),
    path("invitations/<int:pk>/withdraw/", views.withdraw, name="invitation_withdraw"),
    path("roles/<int:pk>/invite/", views.invite, name="invite"),
]
