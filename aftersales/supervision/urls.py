from django.urls import path

from . import views

app_name = "supervision"
urlpatterns = [
    path("callbacks/", views.callback_list, name="callback_list"),
    path("callbacks/<int:pk>/complete/", views.callback_complete_view, name="callback_complete"),
    path("feedback/<int:pk>/verify/", views.feedback_verify_view, name="feedback_verify"),
    path("mystery/", views.mystery_list, name="mystery_list"),
]
