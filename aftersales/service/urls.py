from django.urls import path

from . import views

app_name = "service"
urlpatterns = [
    path("", views.order_list, name="order_list"),
    path("intake/", views.intake, name="intake"),
    path("intake/region/", views.region_suggest, name="region_suggest"),
    path("dispatch/", views.dispatch_board, name="dispatch_board"),
    path("<int:pk>/", views.order_detail, name="order_detail"),
    path("<int:pk>/transition/", views.order_transition, name="order_transition"),
    path(
        "<int:pk>/attachments/<int:attachment_id>/",
        views.attachment_download,
        name="attachment_download",
    ),
]
