from django.urls import path

from . import views

app_name = "quality"
urlpatterns = [
    path("", views.home, name="home"),
    path("orders/<int:order_pk>/rule/", views.ruling_new, name="ruling_new"),
    path("orders/<int:order_pk>/cost/", views.order_cost, name="order_cost"),
    path("rulings/<int:pk>/", views.ruling_detail, name="ruling_detail"),
    path("rulings/<int:pk>/transition/", views.ruling_transition, name="ruling_transition"),
    path("rulings/<int:pk>/revise/", views.ruling_revise, name="ruling_revise"),
    path("claims/", views.claim_list, name="claims"),
    path("claims/export.xlsx", views.claims_export, name="claims_export"),
    path("claims/<int:pk>/", views.claim_detail, name="claim_detail"),
    path("claims/<int:pk>/transition/", views.claim_transition, name="claim_transition"),
    path("costs/", views.costs, name="costs"),
    path("costs/export.xlsx", views.costs_export, name="costs_export"),
    path("recoveries/", views.recoveries, name="recoveries"),
]
