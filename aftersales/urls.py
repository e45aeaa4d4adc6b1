from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from aftersales.core import views as core_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("jobs/<int:pk>/", core_views.job_detail, name="job_detail"),
    path("jobs/<int:pk>/status/", core_views.job_status, name="job_status"),
    path("jobs/<int:pk>/files/<int:file_id>/", core_views.job_file, name="job_file"),
    path(
        "login/",
        auth_views.LoginView.as_view(template_name="registration/login.html"),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("orders/", include("aftersales.service.urls")),
    path("field/", include("aftersales.service.urls_field")),
    path("parts/", include("aftersales.parts.urls")),
    path("quality/", include("aftersales.quality.urls")),
    path("complaints/", include("aftersales.complaints.urls")),
    path("supervision/", include("aftersales.supervision.urls")),
    path("assessment/", include("aftersales.assessment.urls")),
    path("evaluation/", include("aftersales.evaluation.urls")),
    path("certification/", include("aftersales.certification.urls")),
    path("reports/documents/", include("aftersales.reports.urls_documents")),
    path("reports/", include("aftersales.reports.urls")),
    path("s/", include("aftersales.supervision.urls_public")),
    path("p/", include("aftersales.portal.urls")),
    path("api/v1/", include("aftersales.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
]
