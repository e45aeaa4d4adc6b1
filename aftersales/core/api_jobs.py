"""`GET /api/v1/jobs/{id}/`: where a background job stands (the page polls the same state)."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from .jobs import job_state, jobs_for_user


class JobFileSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    size = serializers.IntegerField()
    url = serializers.CharField(help_text="download (for whoever may see the job)")


class JobStateSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # (Field.label is a str)
    status = serializers.CharField(help_text="queued | running | done | failed")
    status_display = serializers.CharField()
    done = serializers.IntegerField()
    total = serializers.IntegerField()
    percent = serializers.IntegerField()
    finished = serializers.BooleanField()
    summary = serializers.CharField(help_text="the result in words, once done")
    error = serializers.CharField(help_text="why it failed, once failed")
    return_url = serializers.CharField()
    files = JobFileSerializer(many=True, help_text="what the job produced, once done")
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)


class JobView(APIView):
    @extend_schema(responses={200: JobStateSerializer})
    def get(self, request: Request, pk: int, *args: Any, **kwargs: Any) -> Response:
        job = jobs_for_user(request.user).filter(pk=pk).first()
        if job is None:
            raise Http404
        return Response(job_state(job))
