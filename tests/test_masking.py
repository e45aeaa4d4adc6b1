"""S20: personal data is masked for roles that do not need it, the same way in every channel."""

from aftersales.accounts.models import Role
from aftersales.customers.models import Address

from . import factories as f
from .conftest import client_for


def test_the_api_masks_addresses_emails_and_coordinates_for_finance(world):
    customer = world["customer"]
    contact = customer.contacts.get()
    contact.email = "wang.jingli@example.com"
    contact.save()
    Address.objects.create(
        customer=customer,
        region=world["chaoyang"],
        detail="建国路88号院3号楼",
        latitude=39.9,
        longitude=116.4,
    )
    finance = f.UserFactory(username="fin", role=Role.FINANCE, department="finance")
    body = client_for(finance).get(f"/api/v1/customers/{customer.pk}/").json()
    assert body["contacts"][0]["email"] == "w***@example.com"
    assert body["addresses"][0]["detail"] != "建国路88号院3号楼"
    assert body["addresses"][0]["latitude"] is None
    unit = client_for(finance).get(f"/api/v1/units/{world['unit'].pk}/").json()
    assert unit["site_address"] != world["unit"].site_address


def test_the_agent_sees_the_whole_address_and_email(world):
    customer = world["customer"]
    Address.objects.create(customer=customer, region=world["chaoyang"], detail="建国路88号院3号楼")
    body = client_for(world["agent"]).get(f"/api/v1/customers/{customer.pk}/").json()
    assert body["addresses"][0]["detail"] == "建国路88号院3号楼"
    unit = client_for(world["agent"]).get(f"/api/v1/units/{world['unit'].pk}/").json()
    assert unit["site_address"] == world["unit"].site_address
