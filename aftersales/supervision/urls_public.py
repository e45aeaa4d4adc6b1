"""The public survey page (no login): `/s/<token>/`."""

from django.urls import path

from . import views_public

app_name = "survey"
urlpatterns = [
    path("suggest/", views_public.suggest, name="suggest"),
    path("<str:token>/", views_public.survey_answer, name="answer"),
]
