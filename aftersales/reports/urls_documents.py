from django.urls import path

from . import views_documents

app_name = "report_documents"
urlpatterns = [
    path("", views_documents.documents, name="index"),
]
