from django.urls import path

from . import views

app_name = "supervision"
urlpatterns = [path("callbacks/", views.callback_list, name="callback_list")]
