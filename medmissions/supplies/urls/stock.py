"""URLs of the stock area: the supplies overview, lots (list, receive, import, one lot and its
movements at a site) and the organisation's ledger with its CSV export."""

from django.urls import URLPattern, path

from medmissions.supplies.views import stock as views

urlpatterns: list[URLPattern] = [
    path("", views.home, name="home"),
    path("lots/", views.lot_list, name="lots"),
    path("lots/receive/", views.receive, name="receive"),
    path("lots/import/", views.import_lots, name="import"),
    path("lots/import/template.csv", views.import_template, name="import_template"),
    path("lots/<int:pk>/", views.lot_detail, name="lot"),
    path("lots/<int:pk>/sites/<int:site_pk>/consume/", views.consume, name="consume"),
    path("lots/<int:pk>/sites/<int:site_pk>/adjust/", views.adjust, name="adjust"),
    path("lots/<int:pk>/sites/<int:site_pk>/write-off/", views.write_off, name="write_off"),
    path("lots/<int:pk>/sites/<int:site_pk>/hand-over/", views.hand_over, name="hand_over"),
    path("ledger/", views.ledger, name="ledger"),
    path("ledger.csv", views.ledger_csv, name="ledger_csv"),
]
