"""The matching app's API routers, one module per area; medmissions/api.py mounts ROUTES."""

from medmissions.matching.api import recommendations, runs

ROUTES = [*runs.ROUTES, *recommendations.ROUTES]
