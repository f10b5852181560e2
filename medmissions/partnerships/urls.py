from django.urls import path

from medmissions.partnerships import views

app_name = "partnerships"

urlpatterns = [
    path("", views.partnership_list, name="list"),
    path("propose/", views.propose, name="propose"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/confirm/", views.confirm, name="confirm"),
    path("<int:pk>/decline/", views.decline, name="decline"),
    path("<int:pk>/status/<str:transition>/", views.change_status, name="change_status"),
    path("<int:pk>/parties/add/", views.add_party, name="add_party"),
    path("<int:pk>/parties/<int:party_id>/remove/", views.remove_party, name="remove_party"),
    path("<int:pk>/mou/", views.mou, name="mou"),
    path("<int:pk>/health-checks/new/", views.open_health_check, name="open_health_check"),
    path("<int:pk>/health-checks/<int:check_id>/", views.health_check_detail, name="health_check"),
    path("<int:pk>/health-checks/<int:check_id>/score/<slug:organization_slug>/", views.score, name="score"),
    path(
        "<int:pk>/health-checks/<int:check_id>/complete/",
        views.complete_health_check,
        name="complete_health_check",
    ),
    path("<int:pk>/actions/new/", views.create_action_item, name="create_action_item"),
    path("<int:pk>/actions/<int:item_id>/", views.edit_action_item, name="edit_action_item"),
]
