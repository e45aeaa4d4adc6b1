"""PIPL masking for roles that do not need personal data."""


def mask_phone(value: str) -> str:
    digits = value or ""
    if len(digits) >= 11:
        return digits[:3] + "****" + digits[-4:]
    if len(digits) > 4:
        return "*" * (len(digits) - 4) + digits[-4:]
    return "****"


def mask_address(value: str) -> str:
    return (value[:6] + "****") if value and len(value) > 6 else "****"


def mask_email(value: str) -> str:
    if not value or "@" not in value:
        return "****" if value else ""
    name, domain = value.split("@", 1)
    return f"{name[:1]}***@{domain}"


class MaskedFieldsMixin:
    """A DRF serializer mixin: the fields named in `Meta.masked` (field → kind: phone, address,
    email, coordinate) are masked for users who may not see personal data (S20: the same rule in
    the pages, the admin, the API and exports)."""

    _MASKERS = {"phone": mask_phone, "address": mask_address, "email": mask_email}

    def to_representation(self, instance):  # type: ignore[no-untyped-def]
        from aftersales.accounts import roles

        data = super().to_representation(instance)  # type: ignore[misc]
        request = self.context.get("request")  # type: ignore[attr-defined]
        if request is not None and not roles.sees_personal_data(request.user):
            for name, kind in getattr(self.Meta, "masked", {}).items():  # type: ignore[attr-defined]
                if name in data and data[name] not in (None, ""):
                    data[name] = (
                        None if kind == "coordinate" else self._MASKERS[kind](str(data[name]))
                    )
        return data
