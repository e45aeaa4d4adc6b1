from django.urls import path

from . import views

app_name = "supervision"
urlpatterns = [
    path("callbacks/", views.callback_list, name="callback_list"),
    path("callbacks/<int:pk>/complete/", views.callback_complete_view, name="callback_complete"),
    path("feedback/<int:pk>/verify/", views.feedback_verify_view, name="feedback_verify"),
    path("visits/", views.visit_list, name="visit_list"),
    path("visits/<int:pk>/record/", views.visit_record_view, name="visit_record"),
    path("suggestions/", views.suggestion_list, name="suggestion_list"),
    path("surveys/", views.survey_list, name="survey_list"),
    path("surveys/<int:pk>/", views.survey_detail, name="survey_detail"),
    path("mystery/", views.mystery_list, name="mystery_list"),
    path("mystery/inspectors/", views.mystery_inspectors, name="mystery_inspectors"),
]
