"""The missions app's URLs, one module per area (planning, opportunities, team, close-out)."""

from medmissions.missions.urls import closeout, opportunities, planning, team

app_name = "missions"

urlpatterns = [
    *planning.urlpatterns,
    *opportunities.urlpatterns,
    *team.urlpatterns,
    *closeout.urlpatterns,
]
