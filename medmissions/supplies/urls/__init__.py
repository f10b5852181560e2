"""The supplies app's URLs, one module per area: catalogue, stock (lots and their movements),
requests and donation offers, allocation runs, shipments, and reports with exports."""

from medmissions.supplies.urls import allocation, catalogue, reports, requests, shipments, stock

app_name = "supplies"

urlpatterns = [
    *catalogue.urlpatterns,
    *stock.urlpatterns,
    *requests.urlpatterns,
    *allocation.urlpatterns,
    *shipments.urlpatterns,
    *reports.urlpatterns,
]
