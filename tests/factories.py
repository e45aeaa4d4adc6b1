"""factory_boy factories shared by every test. Names read like the healthchecks cast."""

from __future__ import annotations

from datetime import date, timedelta

import factory
from django.utils import timezone

from aftersales.accounts.models import Department, Role, User
from aftersales.customers.models import Contact, Customer, Region
from aftersales.network.models import Certificate, Outlet, Skill, Staff
from aftersales.products.models import FaultCode, ProductModel, Unit, WarrantyPolicy
from aftersales.products.warranty import warranty_end


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Sequence(lambda n: f"用户{n}")
    role = Role.AGENT
    department = Department.SERVICE
    mobile = factory.Sequence(lambda n: f"139{n:08d}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", "password")


def region(code: str = "110105000000") -> Region:
    """A seeded region (Beijing Chaoyang by default)."""
    return Region.objects.get(code=code)


class OutletFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Outlet

    code = factory.Sequence(lambda n: f"OUT{n:03d}")
    name = factory.Sequence(lambda n: f"服务站{n}")
    latitude = 39.92
    longitude = 116.44

    @factory.post_generation
    def regions(self, create, extracted, **kwargs):
        if create and extracted:
            self.regions.set(extracted)


class SkillFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Skill
        django_get_or_create = ("code",)

    code = "ELEC"
    name = "电气维修"


class StaffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Staff

    user = factory.SubFactory(UserFactory, role=Role.TECHNICIAN)
    outlet = factory.SubFactory(OutletFactory)
    employee_no = factory.Sequence(lambda n: f"E{n:05d}")


def certify(staff: Staff, skill: Skill, *, valid_until: date | None = None) -> Certificate:
    staff.skills.add(skill)
    return Certificate.objects.create(
        staff=staff,
        skill=skill,
        number=f"C-{staff.pk}-{skill.code}",
        issued_on=date(2024, 1, 1),
        valid_until=valid_until or timezone.localdate() + timedelta(days=365),
    )


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    code = factory.Sequence(lambda n: f"CU{n:05d}")
    name = factory.Sequence(lambda n: f"客户{n}公司")


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    customer = factory.SubFactory(CustomerFactory)
    name = "张三"
    mobile = factory.Sequence(lambda n: f"138{n:08d}")


class WarrantyPolicyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WarrantyPolicy
        django_get_or_create = ("name",)

    name = "整机两年"
    months = 24


class ProductModelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductModel
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"M{n:03d}")
    name = factory.Sequence(lambda n: f"型号{n}")
    category = "客车"
    warranty_policy = factory.SubFactory(WarrantyPolicyFactory)


class FaultCodeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FaultCode

    model = factory.SubFactory(ProductModelFactory)
    code = factory.Sequence(lambda n: f"F{n:03d}")
    name = "空调不制冷"
    default_grade = "B"
    skill_code = "ELEC"


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    serial = factory.Sequence(lambda n: f"SN{n:08d}")
    model = factory.SubFactory(ProductModelFactory)
    customer = factory.SubFactory(CustomerFactory)
    sale_date = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=200))
    acceptance_date = factory.LazyAttribute(lambda o: o.sale_date)
    warranty_start = factory.LazyAttribute(lambda o: o.acceptance_date)
    warranty_end = factory.LazyAttribute(lambda o: warranty_end(o.warranty_start, 24))
    site_region = factory.LazyFunction(region)
    site_address = "建国路88号"
    latitude = 39.91
    longitude = 116.47
