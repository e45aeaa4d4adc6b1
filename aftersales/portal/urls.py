from django.urls import path, re_path

from . import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("orders/<int:pk>/", views.order, name="order"),
    path("orders/<int:pk>/reopen/", views.order_reopen, name="order_reopen"),
    path("orders/<int:pk>/survey/", views.order_survey, name="order_survey"),
    path("units/<int:pk>/", views.unit, name="unit"),
    path("units/<int:pk>/report/", views.unit_report, name="unit_report"),
    re_path(r"^units/(?P<pk>[0-9]+)/qr\.(?P<fmt>png|svg)$", views.unit_qr, name="unit_qr"),
    path("complaints/new/", views.complaint_new, name="complaint_new"),
    path("login-link/", views.login_link_request, name="login_link_request"),
    path("login-link/<str:token>/", views.login_link, name="login_link"),
    path("q/<str:token>/", views.qr_report, name="qr_report"),
    path("q/<str:token>/thanks/", views.qr_thanks, name="qr_thanks"),
]
