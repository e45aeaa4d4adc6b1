from django.urls import path

from . import views

app_name = "complaints"
urlpatterns = [
    path("", views.ledger, name="ledger"),
    path("export.xlsx", views.ledger_export, name="export"),
    path("new/", views.record, name="record"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/transition/", views.transition, name="transition"),
    path("penalties/", views.penalties, name="penalties"),
    path("penalties/<int:pk>/applied/", views.penalty_applied, name="penalty_applied"),
]
