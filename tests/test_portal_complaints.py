"""Complaints from the portal: a customer files one (channel: portal) and sees only their own,
with their step and deadline."""

from __future__ import annotations

import pytest
from django.urls import reverse

from aftersales.complaints.models import Complaint
from aftersales.complaints.services import ComplaintData, complaint_record

from .conftest import client_for

NEW_URL = "/p/complaints/new/"


def recorded(world, customer, description: str) -> Complaint:
    return complaint_record(
        actor=world["agent"],
        data=ComplaintData(
            type="service",
            level="general",
            channel="hotline",
            complainant="张三",
            description=description,
            customer=customer,
        ),
    )


def test_the_customer_files_a_complaint_from_the_portal(world):
    client = client_for(world["customer_user"])
    assert client.get(NEW_URL).status_code == 200
    response = client.post(
        NEW_URL,
        {
            "type": "service",
            "unit": world["unit"].pk,
            "description": "服务工程师迟到三个小时，也没有提前通知",
            "request": "请给出解释",
        },
    )
    assert response.status_code == 302, response.content.decode()
    complaint = Complaint.objects.get()
    assert complaint.channel == "portal"
    assert complaint.customer == world["customer"]
    assert complaint.unit == world["unit"]
    assert complaint.recorded_by == world["customer_user"]
    home = client.get(reverse("portal:home")).content.decode()
    assert complaint.number in home


def test_a_complaint_about_someone_elses_unit_is_refused(world):
    client = client_for(world["customer_user"])
    response = client.post(
        NEW_URL,
        {"type": "quality", "unit": world["other_unit"].pk, "description": "空调不制冷"},
    )
    assert response.status_code == 400
    assert not Complaint.objects.exists()


def test_a_complaint_without_description_is_refused(world):
    client = client_for(world["customer_user"])
    response = client.post(NEW_URL, {"type": "quality", "description": ""})
    assert response.status_code == 400
    assert not Complaint.objects.exists()


def test_the_customer_sees_only_their_own_complaints(world):
    own = recorded(world, world["customer"], "热线投诉：回访电话太多")
    other = recorded(world, world["other_customer"], "天津客运的投诉")
    page = client_for(world["customer_user"]).get(reverse("portal:home")).content.decode()
    assert own.number in page
    assert other.number not in page
    assert own.get_status_display() in page
    deadline = own.deadline.astimezone().strftime("%Y-%m-%d")
    assert deadline in page


@pytest.mark.parametrize("who", ["agent", "supervisor"])
def test_back_office_users_do_not_file_through_the_portal(world, who):
    assert client_for(world[who]).get(NEW_URL).status_code == 404
