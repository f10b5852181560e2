"""URLs of the referrals area: referrals of consultations to local facilities, their follow-ups by
host staff, and the referrals panel of a mission's close-out tab."""

from django.urls import URLPattern, path

from medmissions.clinics.views import referrals as views

urlpatterns: list[URLPattern] = [
    path("referrals/", views.referral_list, name="referrals"),
    path("consultations/<int:pk>/refer/", views.referral_create, name="referral_create"),
    path("referrals/<int:pk>/", views.referral_detail, name="referral"),
    path("referrals/<int:pk>/respond/", views.referral_respond, name="referral_respond"),
    path("referrals/<int:pk>/close/", views.referral_close, name="referral_close"),
    path("referrals/<int:pk>/follow-ups/", views.follow_up_add, name="follow_up_add"),
    path("follow-ups/", views.follow_up_list, name="follow_ups"),
    path("follow-ups/<int:pk>/", views.follow_up_update, name="follow_up_update"),
    path("follow-ups/<int:pk>/handover/", views.follow_up_handover, name="follow_up_handover"),
    path("missions/<int:mission_pk>/referrals/", views.mission_referrals, name="mission_referrals"),
]
