"""The supplies app's API routers, one module per area; medmissions/api.py mounts ROUTES."""

from medmissions.supplies.api import allocation, catalogue, reports, requests, shipments, stock

ROUTES = [
    *catalogue.ROUTES,
    *stock.ROUTES,
    *requests.ROUTES,
    *allocation.ROUTES,
    *shipments.ROUTES,
    *reports.ROUTES,
]
