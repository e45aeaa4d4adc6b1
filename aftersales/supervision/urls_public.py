"""The public survey page (no login): `/s/<token>/`."""

from django.urls import path

from . import views_public

app_name = "survey"
urlpatterns = [
    path("<str:token>/", views_public.survey_answer, name="answer"),
]
