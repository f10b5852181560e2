"""URLs: team. Each area of the missions app keeps its own list; urls/__init__.py joins them."""

from django.urls import URLPattern, path

from medmissions.missions.views import team as views

urlpatterns: list[URLPattern] = [
    path("<int:pk>/team/", views.team, name="team"),
    path("<int:pk>/announcements/", views.announce, name="announce"),
    path("<int:pk>/messages/", views.thread, name="messages"),
    path("assignments/<int:pk>/waive/", views.waive, name="waive"),
    path("assignments/<int:pk>/supervisor/", views.assignment_supervisor, name="assignment_supervisor"),
    path("assignments/<int:pk>/remove/", views.assignment_remove, name="assignment_remove"),
    path("waivers/<int:pk>/revoke/", views.waiver_revoke, name="waiver_revoke"),
    path("calendar/", views.calendar, name="calendar"),
    path("calendar/reset/", views.calendar_reset, name="calendar_reset"),
    # The token is the feed's only credential (calendar apps cannot sign in).
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar_feed"),
]
