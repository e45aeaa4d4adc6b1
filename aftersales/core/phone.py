"""Chinese phone numbers: one rule for the intake, the imports and every form."""

from __future__ import annotations

import re
import unicodedata

from django.utils.translation import gettext as _

from .errors import ValidationFailed

# ASCII digits only: Python's \d also matches Arabic-Indic and other scripts' digits, which no
# SMS gateway dials. Full-width digits typed with a Chinese IME are folded by NFKC first.
MOBILE_RE = re.compile(r"^(?:\+?86)?1[3-9][0-9]{9}$", re.ASCII)
LANDLINE_RE = re.compile(r"^0[0-9]{2,3}-?[0-9]{7,8}(?:-[0-9]{1,6})?$", re.ASCII)


def _fold(value: str) -> str:
    return re.sub(r"[\s()]", "", unicodedata.normalize("NFKC", value or ""))


def normalise_mobile(value: str) -> str | None:
    """11 digits for a mobile number (138-1234-5678, +86 138 1234 5678 and full-width digits
    are accepted), otherwise None."""
    mobile = re.sub(r"(?<=[0-9])-(?=[0-9])", "", _fold(value))
    return mobile[-11:] if MOBILE_RE.match(mobile) else None


def normalise_phone(value: str, *, field: str = "contact_mobile") -> str:
    """A mobile number as 11 digits, or a landline with its area code; anything else is refused
    with an example."""
    mobile = normalise_mobile(value)
    if mobile:
        return mobile
    phone = _fold(value)
    if LANDLINE_RE.match(phone):
        return phone
    raise ValidationFailed(
        _(
            "电话号码“%(value)s”格式不正确：请填写 11 位手机号（如 13812345678）"
            "或带区号的固定电话（如 010-12345678）"
        )
        % {"value": value},
        field=field,
    )


def is_mobile(phone: str) -> bool:
    return bool(MOBILE_RE.match(phone or ""))
