from django.urls import path

from medmissions.organizations import views

app_name = "organizations"

urlpatterns = [
    path("", views.directory, name="directory"),
    path("new/", views.create, name="create"),
    path("switch/", views.switch, name="switch"),
    path("invitations/<str:token>/", views.accept_invitation, name="accept_invitation"),
    path("<slug:slug>/", views.detail, name="detail"),
    path("<slug:slug>/edit/", views.edit, name="edit"),
    path("<slug:slug>/logo/", views.logo, name="logo"),
    path("<slug:slug>/verify/", views.set_verified, name="set_verified"),
    path("<slug:slug>/members/", views.members, name="members"),
    path("<slug:slug>/members/invite/", views.invite, name="invite"),
    path("<slug:slug>/members/<int:membership_id>/role/", views.change_role, name="change_role"),
    path("<slug:slug>/members/<int:membership_id>/remove/", views.remove_member, name="remove_member"),
    path(
        "<slug:slug>/invitations/<int:invitation_id>/withdraw/",
        views.revoke_invitation,
        name="revoke_invitation",
    ),
    path("<slug:slug>/audit/", views.audit_trail, name="audit"),
]
