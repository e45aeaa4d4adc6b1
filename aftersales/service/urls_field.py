"""The technician's phone pages and the service report (owned separately from the back office)."""

from django.urls import path

from . import views_field

app_name = "field"
urlpatterns = [
    path("", views_field.my_jobs, name="my_jobs"),
]
