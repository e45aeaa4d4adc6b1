from django.urls import path

from . import views

app_name = "assessment"
urlpatterns = [
    path("", views.home, name="home"),
    path("compute/", views.compute, name="compute"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/approve/", views.approve, name="approve"),
    path("<int:pk>/correct/", views.correct, name="correct"),
    path("<int:pk>/distribute/", views.distribute, name="distribute"),
    path("distributions/<int:pk>/apply/", views.apply_distribution, name="distribution-apply"),
    path("pay/", views.pay_list, name="pay"),
    path("pay/me/", views.my_pay, name="my-pay"),
    path("pay/<int:pk>/", views.pay_detail, name="pay-detail"),
    path("pay/<int:pk>/base/", views.pay_base, name="pay-base"),
    path("pay/<int:pk>/quarters/", views.pay_quarters, name="pay-quarters"),
    path("pay/<int:pk>/awards/", views.pay_award_add, name="pay-award-add"),
    path(
        "pay/<int:pk>/awards/<int:award>/delete/",
        views.pay_award_remove,
        name="pay-award-remove",
    ),
]
