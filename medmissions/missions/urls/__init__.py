"""The missions app's URLs, one module per area (planning, opportunities, invitations, team, close-out)."""

from medmissions.missions.urls import closeout, invitations, opportunities, planning, team

app_name = "missions"

urlpatterns = [
    *planning.urlpatterns,
    *opportunities.urlpatterns,
    *invitations.urlpatterns,
    *team.urlpatterns,
    *closeout.urlpatterns,
]
