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
