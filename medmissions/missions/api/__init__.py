"""The missions app's API routers, one module per area; medmissions/api.py mounts ROUTES."""

from medmissions.missions.api import closeout, invitations, opportunities, planning, team

ROUTES = [*planning.ROUTES, *opportunities.ROUTES, *invitations.ROUTES, *team.ROUTES, *closeout.ROUTES]
