"""URLs of the shipments area: the list, starting a shipment, its page and the POST routes of
each step (items, packing, sending, in transit, receipt, cancelling), and its two PDFs."""

from django.urls import URLPattern, path

from medmissions.supplies.views import shipments as views

urlpatterns: list[URLPattern] = [
    path("shipments/", views.shipment_list, name="shipments"),
    path("shipments/new/", views.shipment_create, name="shipment_create"),
    path("shipments/<int:pk>/", views.shipment_detail, name="shipment"),
    path("shipments/<int:pk>/items/", views.shipment_add, name="shipment_add"),
    path(
        "shipments/<int:pk>/items/<int:item_pk>/remove/",
        views.shipment_remove_item,
        name="shipment_remove_item",
    ),
    path("shipments/<int:pk>/pack/", views.shipment_pack, name="shipment_pack"),
    path("shipments/<int:pk>/send/", views.shipment_send, name="shipment_send"),
    path("shipments/<int:pk>/in-transit/", views.shipment_in_transit, name="shipment_in_transit"),
    path("shipments/<int:pk>/receive/", views.shipment_receive, name="shipment_receive"),
    path("shipments/<int:pk>/cancel/", views.shipment_cancel, name="shipment_cancel"),
    path("shipments/<int:pk>/packing-list.pdf", views.packing_list, name="packing_list"),
    path("shipments/<int:pk>/certificate-of-donation.pdf", views.certificate, name="certificate"),
]
