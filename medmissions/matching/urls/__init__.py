"""The matching app's URLs, one module per area (suggestions and runs, partner recommendations)."""

from medmissions.matching.urls import recommendations, runs

app_name = "matching"

urlpatterns = [*runs.urlpatterns, *recommendations.urlpatterns]
