from django.urls import path

from . import views

app_name = "certification"
urlpatterns = [
    path("", views.assessment_list, name="list"),
    path("new/", views.assessment_new, name="new"),
    path("tree/", views.tree, name="tree"),
    path("tree/levels/", views.levels, name="levels"),
    path("<int:pk>/", views.assessment_detail, name="detail"),
    path("<int:pk>/answers/", views.answers_save, name="answers"),
    path(
        "<int:pk>/answers/<int:answer_id>/evidence/",
        views.evidence_upload,
        name="evidence-upload",
    ),
    path("<int:pk>/evidence/<int:evidence_id>/", views.evidence_download, name="evidence-download"),
    path(
        "<int:pk>/evidence/<int:evidence_id>/delete/",
        views.evidence_delete,
        name="evidence-delete",
    ),
    path("<int:pk>/adjustments/", views.adjustment_add, name="adjustment-add"),
    path(
        "<int:pk>/adjustments/<int:adjustment_id>/delete/",
        views.adjustment_delete,
        name="adjustment-delete",
    ),
    path("<int:pk>/finish/", views.assessment_finish, name="finish"),
    path("<int:pk>/correct/", views.assessment_correct, name="correct"),
    path("<int:pk>/report.pdf", views.assessment_report, name="report"),
]
