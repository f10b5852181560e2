"""The missions app's API routers, one module per area; medmissions/api.py mounts ROUTES."""

from medmissions.missions.api import closeout, opportunities, planning, team

ROUTES = [*planning.ROUTES, *opportunities.ROUTES, *team.ROUTES, *closeout.ROUTES]
