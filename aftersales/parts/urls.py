from django.urls import path

from . import views

app_name = "parts"
urlpatterns = [
    path("", views.home, name="home"),
    path("stock/", views.stock, name="stock"),
    path("ledger/", views.ledger, name="ledger"),
    path("requisitions/", views.requisitions, name="requisitions"),
    path("transfers/", views.transfers, name="transfers"),
    path("receipts/", views.receipts, name="receipts"),
    path("counts/", views.counts, name="counts"),
    path("counts/<int:pk>/", views.count_detail, name="count_detail"),
    path("scraps/", views.scraps, name="scraps"),
    path("old-parts/", views.old_parts, name="old_parts"),
    path("disposals/<int:pk>/", views.disposal_detail, name="disposal_detail"),
    path("replenishment/", views.replenishment, name="replenishment"),
    path("do/<slug:kind>/<int:pk>/<slug:action>/", views.doc_action, name="doc_action"),
    path("field/<int:pk>/use/", views.field_use, name="field_use"),
    path("field/<int:pk>/request/", views.field_request, name="field_request"),
]
