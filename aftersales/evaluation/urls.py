from django.urls import URLPattern, path

from . import views

app_name = "evaluation"
urlpatterns: list[URLPattern] = [
    path("", views.project_list, name="project_list"),
    path("<int:pk>/", views.project_detail, name="detail"),
    path("<int:pk>/do/<slug:action>/", views.project_action, name="action"),
    path("<int:pk>/matrix/<int:expert>/", views.matrix, name="matrix"),
    path("<int:pk>/matrix/<int:expert>/check/", views.matrix_check, name="matrix-check"),
    path("<int:pk>/scores/", views.scores, name="scores"),
    path("<int:pk>/export.pdf", views.export_pdf, name="pdf"),
    path("<int:pk>/export.xlsx", views.export_xlsx, name="xlsx"),
]
