from django.urls import path

from . import views

app_name = "service"
urlpatterns = [
    path("", views.order_list, name="order_list"),
    path("intake/", views.intake, name="intake"),
    path("dispatch/", views.dispatch_board, name="dispatch_board"),
    path("<int:pk>/", views.order_detail, name="order_detail"),
]
