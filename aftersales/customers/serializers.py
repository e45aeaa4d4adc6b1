from rest_framework import serializers

from aftersales.core.masking import MaskedFieldsMixin

from .models import Address, Contact, Customer


class ContactSerializer(MaskedFieldsMixin, serializers.ModelSerializer):
    class Meta:
        model = Contact
        fields = ["id", "name", "mobile", "email", "is_primary"]
        masked = {"mobile": "phone", "email": "email"}


class AddressSerializer(MaskedFieldsMixin, serializers.ModelSerializer):
    region = serializers.CharField(source="region.full_name")

    class Meta:
        model = Address
        fields = ["id", "label", "region", "detail", "latitude", "longitude"]
        masked = {"detail": "address", "latitude": "coordinate", "longitude": "coordinate"}


class CustomerSerializer(serializers.ModelSerializer):
    contacts = ContactSerializer(many=True, read_only=True)
    addresses = AddressSerializer(many=True, read_only=True)

    class Meta:
        model = Customer
        fields = ["id", "code", "name", "kind", "is_key_account", "contacts", "addresses"]
