"""REST API v1: one router for every app's viewsets."""

from rest_framework.routers import DefaultRouter

from aftersales.customers.api import CustomerViewSet
from aftersales.network.api import OutletViewSet, StaffViewSet
from aftersales.products.api import ProductModelViewSet, UnitViewSet
from aftersales.service.api import WorkOrderViewSet

router = DefaultRouter()
router.register("work-orders", WorkOrderViewSet, basename="work-order")
router.register("customers", CustomerViewSet, basename="customer")
router.register("product-models", ProductModelViewSet, basename="product-model")
router.register("units", UnitViewSet, basename="unit")
router.register("outlets", OutletViewSet, basename="outlet")
router.register("staff", StaffViewSet, basename="staff")

urlpatterns = [*router.urls]

# Master-data import (owned by core.api_imports).
from django.urls import path  # noqa: E402

from aftersales.core.api_imports import ImportTemplateView, ImportView  # noqa: E402
from aftersales.core.api_jobs import JobView  # noqa: E402

urlpatterns += [
    path("imports/<slug:kind>/", ImportView.as_view(), name="import"),
    path("imports/<slug:kind>/template/", ImportTemplateView.as_view(), name="import-template"),
    path("jobs/<int:pk>/", JobView.as_view(), name="job"),
]

# Spare parts (owned by parts.api).
from django.urls import include  # noqa: E402
from rest_framework.routers import SimpleRouter  # noqa: E402

from aftersales.parts import api as parts_api  # noqa: E402

parts_router = SimpleRouter()
parts_router.register("stock", parts_api.StockViewSet, basename="parts-stock")
parts_router.register("movements", parts_api.MovementViewSet, basename="parts-movement")
parts_router.register("requisitions", parts_api.RequisitionViewSet, basename="parts-requisition")
parts_router.register("receipts", parts_api.ReceiptViewSet, basename="parts-receipt")
parts_router.register("transfers", parts_api.TransferViewSet, basename="parts-transfer")
parts_router.register("counts", parts_api.StockCountViewSet, basename="parts-count")
parts_router.register("scraps", parts_api.ScrapViewSet, basename="parts-scrap")
parts_router.register("old-returns", parts_api.OldPartReturnViewSet, basename="parts-old-return")
parts_router.register("disposals", parts_api.DisposalViewSet, basename="parts-disposal")
urlpatterns += [
    path("parts/replenishment/", parts_api.ReplenishmentView.as_view(), name="parts-replenishment"),
    path("parts/", include(parts_router.urls)),
]

# Quality: rulings, supplier claims, job costs (owned by quality.api).
from aftersales.quality import api as quality_api  # noqa: E402

quality_router = SimpleRouter()
quality_router.register("rulings", quality_api.RulingViewSet, basename="quality-ruling")
quality_router.register("claims", quality_api.ClaimViewSet, basename="quality-claim")
quality_router.register("job-costs", quality_api.JobCostViewSet, basename="quality-job-cost")
quality_router.register(
    "cost-policies", quality_api.CostPolicyViewSet, basename="quality-cost-policy"
)
urlpatterns += [path("quality/", include(quality_router.urls))]

# Complaints (S9): the ledger, intake and the eight steps (owned by complaints.api).
from aftersales.complaints import api as complaints_api  # noqa: E402

complaints_router = SimpleRouter()
complaints_router.register("", complaints_api.ComplaintViewSet, basename="complaint")
urlpatterns += [path("complaints/", include(complaints_router.urls))]

# Supervision (S10/S11): callbacks, feedback forms, visits, suggestions, survey stats, survey
# forms and mystery inspections (supervision.api).
from aftersales.supervision import api as supervision_api  # noqa: E402

supervision_router = SimpleRouter()
supervision_router.register(
    "callbacks", supervision_api.CallbackViewSet, basename="supervision-callback"
)
supervision_router.register(
    "feedback-forms", supervision_api.FeedbackFormViewSet, basename="supervision-feedback-form"
)
supervision_router.register("visits", supervision_api.VisitViewSet, basename="supervision-visit")
supervision_router.register(
    "suggestions", supervision_api.SuggestionViewSet, basename="supervision-suggestion"
)
supervision_router.register(
    "survey-forms", supervision_api.SurveyFormViewSet, basename="supervision-survey-form"
)
supervision_router.register(
    "mystery-inspections",
    supervision_api.MysteryInspectionViewSet,
    basename="supervision-mystery-inspection",
)
urlpatterns += [
    path(
        "supervision/",
        include(
            [
                *supervision_router.urls,
                path(
                    "survey-invitations/",
                    supervision_api.SurveyInvitationStatsView.as_view(),
                    name="supervision-survey-invitations",
                ),
            ]
        ),
    )
]

# Monthly assessment (owned by assessment.api) and KPIs / reports (owned by reports.api).
from aftersales.assessment import api as assessment_api  # noqa: E402
from aftersales.reports import api as reports_api  # noqa: E402

urlpatterns += [
    path("assessment/", include(assessment_api.urlpatterns)),
    path("reports/", include(reports_api.urlpatterns)),
]

# AHP service-quality evaluation (owned by evaluation.api).
from aftersales.evaluation import api as evaluation_api  # noqa: E402

urlpatterns += [path("ahp/", include(evaluation_api.urlpatterns))]

# AHP evaluation projects (owned by evaluation.api_projects) and the GB/T 27922
# self-assessment (owned by certification.api).
from aftersales.certification import api as certification_api  # noqa: E402
from aftersales.evaluation import api_projects as evaluation_projects_api  # noqa: E402

urlpatterns += [
    path("evaluation/", include(evaluation_projects_api.urlpatterns)),
    path("certification/", include(certification_api.urlpatterns)),
]
