from rest_framework import serializers

from aftersales.accounts import roles
from aftersales.core.masking import mask_phone

from .models import Address, Contact, Customer


class ContactSerializer(serializers.ModelSerializer):
    mobile = serializers.SerializerMethodField()

    class Meta:
        model = Contact
        fields = ["id", "name", "mobile", "email", "is_primary"]

    def get_mobile(self, obj: Contact) -> str:
        user = self.context["request"].user
        return obj.mobile if roles.sees_personal_data(user) else mask_phone(obj.mobile)


class AddressSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region.full_name")

    class Meta:
        model = Address
        fields = ["id", "label", "region", "detail", "latitude", "longitude"]


class CustomerSerializer(serializers.ModelSerializer):
    contacts = ContactSerializer(many=True, read_only=True)
    addresses = AddressSerializer(many=True, read_only=True)

    class Meta:
        model = Customer
        fields = ["id", "code", "name", "kind", "is_key_account", "contacts", "addresses"]
