"""The technician's phone pages and the service report (owned separately from the back office)."""

from django.urls import path

from . import views_field

app_name = "field"
urlpatterns = [
    path("", views_field.my_jobs, name="my_jobs"),
    path("<int:pk>/", views_field.job, name="job"),
    path("<int:pk>/do/<slug:action>/", views_field.transition, name="transition"),
    path("<int:pk>/steps/", views_field.steps, name="steps"),
    path("<int:pk>/report/", views_field.report, name="report"),
    path("<int:pk>/report/approve/", views_field.report_approve, name="report_approve"),
    path("<int:pk>/report/amend/", views_field.report_amend, name="report_amend"),
    path("<int:pk>/sign/", views_field.report_sign, name="report_sign"),
    path("<int:pk>/signature.png", views_field.report_signature, name="report_signature"),
    path("<int:pk>/report.pdf", views_field.report_pdf, name="report_pdf"),
]
