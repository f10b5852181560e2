"""URLs: closeout. Each area of the missions app keeps its own list; urls/__init__.py joins them."""

from django.urls import URLPattern, path

from medmissions.missions.views import closeout as views

urlpatterns: list[URLPattern] = [
    path("<int:pk>/closeout/", views.closeout_tab, name="closeout"),
    path("<int:pk>/closeout/handover/", views.handover, name="handover"),
    path("<int:pk>/closeout/follow-ups/add/", views.follow_up_add, name="follow_up_add"),
    path("<int:pk>/closeout/follow-ups/<int:follow_up_pk>/", views.follow_up_edit, name="follow_up_edit"),
    path("<int:pk>/closeout/evaluate/", views.evaluate, name="evaluate"),
    path("closeout/assignments/<int:pk>/hours/", views.hours_log, name="hours_log"),
    path("closeout/assignments/<int:pk>/hours/approve/", views.hours_approve, name="hours_approve"),
    path("closeout/assignments/<int:pk>/hours/reopen/", views.hours_reopen, name="hours_reopen"),
]
