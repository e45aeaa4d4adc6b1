from django.urls import path

from . import views, views_dashboard

app_name = "reports"
urlpatterns = [
    path("", views_dashboard.dashboard, name="dashboard"),
    path("orders/", views_dashboard.orders, name="orders"),
    path("overview/", views.overview, name="overview"),
]
