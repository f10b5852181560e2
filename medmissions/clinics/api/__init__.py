"""The field clinics app's API routers, one module per area; medmissions/api.py mounts ROUTES."""

from medmissions.clinics.api import capture, coordination, edata, interop, referrals, reports

ROUTES = [
    *coordination.ROUTES,
    *capture.ROUTES,
    *reports.ROUTES,
    *edata.ROUTES,
    *referrals.ROUTES,
    *interop.ROUTES,
]
