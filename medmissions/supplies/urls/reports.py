"""URLs of the reports area: expiring and low stock (with the minimum levels), donor
traceability, the stock at one site, and the OpenBoxes exports."""

from django.urls import URLPattern, path

from medmissions.supplies.views import reports as views

urlpatterns: list[URLPattern] = [
    path("reports/expiring/", views.expiring, name="expiring"),
    path("reports/low-stock/", views.low_stock, name="low_stock"),
    path("reports/low-stock/levels/", views.stock_level_set, name="stock_level_set"),
    path("reports/low-stock/levels/<int:pk>/delete/", views.stock_level_delete, name="stock_level_delete"),
    path("reports/donations/", views.donations, name="donations"),
    path("reports/sites/<int:pk>/", views.site_stock, name="site_stock"),
    path("exports/", views.export_list, name="exports"),
    path("exports/openboxes-products.csv", views.export_products, name="export_products"),
    path("exports/openboxes-lots.csv", views.export_lots, name="export_lots"),
    path("exports/openboxes-stock.csv", views.export_stock, name="export_stock"),
]
