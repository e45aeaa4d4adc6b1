from django.urls import path

from . import views

app_name = "quality"
urlpatterns = [path("", views.home, name="home"), path("costs/", views.home, name="costs")]
