"""URLs of the coordination area: the field clinics home, responses (with their item labels,
registered teams, coordination view and periodic report) and clinic teams (opened for a mission,
read, changed, and their periodic report)."""

from django.urls import URLPattern, path

from medmissions.clinics.views import coordination, home

urlpatterns: list[URLPattern] = [
    path("", home.home, name="home"),
    path("responses/", home.response_list, name="responses"),
    path("responses/new/", home.response_create, name="response_create"),
    path("responses/<int:pk>/", home.response_detail, name="response"),
    path("responses/<int:pk>/edit/", home.response_edit, name="response_edit"),
    path("responses/<int:pk>/labels/", home.response_labels, name="response_labels"),
    path("responses/<int:pk>/teams/new/", home.response_team_register, name="response_team_register"),
    path("responses/<int:pk>/coordination/", coordination.coordination, name="coordination"),
    path("responses/<int:pk>/period/", coordination.response_period, name="response_period"),
    path("missions/<int:mission_pk>/team/", home.mission_team_open, name="mission_team_open"),
    path("teams/<int:pk>/", home.team_detail, name="team"),
    path("teams/<int:pk>/edit/", home.team_edit, name="team_edit"),
    path("teams/<int:pk>/period/", coordination.team_period, name="team_period"),
]
