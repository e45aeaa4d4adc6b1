"""Outlet and staff import/export. A staff row creates the login (without a usable password: the
administrator sets one in the back office), the staff record, its skills and certificates."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.utils import bulk_create_with_history

from aftersales.accounts import roles
from aftersales.accounts.models import Department, Role
from aftersales.accounts.services import separation_problem
from aftersales.core.importing import (
    Column,
    Errors,
    Importer,
    Row,
    parse_date,
    register_importer,
    split_list,
)
from aftersales.customers.models import Region

from .models import Certificate, Outlet, Skill, Staff
from .selectors import outlets_for_user, staff_visible_to

USERNAME_RE = re.compile(r"^[\w.@+-]{1,150}$")
# The department a role belongs to when the file does not say.
ROLE_DEPARTMENT: dict[str, str] = {
    Role.AGENT: Department.SERVICE,
    Role.TECHNICIAN: Department.SERVICE,
    Role.STATION_MANAGER: Department.SERVICE,
    Role.SERVICE_DIRECTOR: Department.SERVICE,
    Role.SUPERVISOR: Department.SUPERVISION,
    Role.QUALITY_ENGINEER: Department.QUALITY,
    Role.PARTS_KEEPER: Department.PARTS,
    Role.FINANCE: Department.FINANCE,
    Role.HR: Department.HR,
    Role.ADMIN: Department.IT,
}


@dataclass
class _OutletPlan:
    outlet: Outlet
    regions: list[Region]


class OutletImporter(Importer):
    kind = "outlets"
    label = gettext_lazy("服务网点")
    columns = (
        Column("code", "网点编号", True, gettext_lazy("唯一")),
        Column("name", "名称", True),
        Column("kind", "类型", False, gettext_lazy("自建服务站、特约维修站、加盟服务站 或 经销商")),
        Column("region_codes", "覆盖区域代码", False, gettext_lazy("行政区划代码，多个用 ; 分隔")),
        Column("address", "地址", False),
        Column("latitude", "纬度", False),
        Column("longitude", "经度", False),
        Column("service_radius_km", "服务半径（公里）", False, gettext_lazy("默认 100")),
        Column("phone", "电话", False),
    )

    def may_import(self, actor: Any) -> bool:
        return roles.can_edit_master_data(actor)

    def may_export(self, actor: Any) -> bool:
        return roles.has_role(actor, *roles.BACK_OFFICE)

    def validate(self, rows: list[Row], errors: Errors) -> list[_OutletPlan]:
        codes = [r.text("code") for r in rows]
        existing = set(Outlet.objects.filter(code__in=codes).values_list("code", flat=True))
        wanted = {c for r in rows for c in split_list(r.text("region_codes"))}
        regions = {r.code: r for r in Region.objects.filter(code__in=wanted)}
        seen: dict[str, int] = {}
        plan = []
        for row in rows:
            code = errors.required(row, "code")
            name = errors.required(row, "name")
            if code and errors.unique_in_file(seen, row, "code", code) and code in existing:
                errors.add(row, "code", _("网点编号“%(code)s”已存在") % {"code": code})
            kind = errors.choice(row, "kind", Outlet.Kind.choices, Outlet.Kind.SELF_BUILT)
            covered = []
            for region_code in split_list(row.text("region_codes")):
                region = regions.get(region_code)
                if region is None:
                    errors.add(
                        row,
                        "region_codes",
                        _("地区代码“%(code)s”不存在，请填写 12 位行政区划代码")
                        % {"code": region_code},
                    )
                elif region not in covered:
                    covered.append(region)
            lat, lon = errors.decimal(row, "latitude"), errors.decimal(row, "longitude")
            if lat is not None and not -90 <= lat <= 90:
                errors.add(row, "latitude", _("纬度应在 -90 到 90 之间"))
            if lon is not None and not -180 <= lon <= 180:
                errors.add(row, "longitude", _("经度应在 -180 到 180 之间"))
            if lat is None and lon is None and covered:
                lat, lon = covered[0].latitude, covered[0].longitude
            radius = errors.integer(row, "service_radius_km", minimum=1)
            plan.append(
                _OutletPlan(
                    Outlet(
                        code=code or "",
                        name=name or "",
                        kind=kind,
                        address=row.text("address"),
                        latitude=lat,
                        longitude=lon,
                        service_radius_km=radius or 100,
                        phone=row.text("phone"),
                    ),
                    covered,
                )
            )
        return plan

    def save(self, plan: list[_OutletPlan], actor: Any) -> int:
        outlets = bulk_create_with_history([p.outlet for p in plan], Outlet, default_user=actor)
        by_code = {o.code: o for o in outlets}
        through = Outlet.regions.through
        through.objects.bulk_create(
            [
                through(outlet_id=by_code[p.outlet.code].pk, region_id=region.pk)
                for p in plan
                for region in p.regions
            ]
        )
        return len(outlets)

    def export_rows(self, actor: Any) -> Iterable[Sequence[Any]]:
        qs = outlets_for_user(actor) if actor is not None else Outlet.objects.all()
        kinds = dict(Outlet.Kind.choices)
        for o in qs.order_by("code").prefetch_related("regions"):
            yield [
                o.code,
                o.name,
                str(kinds.get(o.kind, o.kind)),
                ";".join(r.code for r in o.regions.all()),
                o.address,
                o.latitude if o.latitude is not None else "",
                o.longitude if o.longitude is not None else "",
                o.service_radius_km,
                o.phone,
            ]


@dataclass
class _StaffPlan:
    user: Any
    staff: Staff
    skills: list[Skill]
    certificates: list[Certificate] = field(default_factory=list)


def _split_name(full: str) -> tuple[str, str]:
    """(last_name, first_name): the surname is the first character of a Chinese name; the
    export writes last + first, so the name comes back as it was typed."""
    full = full.strip()
    return full[:1], full[1:]


class StaffImporter(Importer):
    kind = "staff"
    personal = True  # names, mobile numbers and e-mail addresses of employees
    label = gettext_lazy("员工")
    columns = (
        Column("username", "用户名", True, gettext_lazy("登录名，唯一；密码由管理员在后台设置")),
        Column("name", "姓名", True),
        Column("role", "角色", True, gettext_lazy("如 服务工程师、服务站经理、客服坐席")),
        Column("department", "部门", False, gettext_lazy("留空按角色确定")),
        Column("outlet_code", "网点编号", False, gettext_lazy("已有服务网点的编号")),
        Column("employee_no", "工号", True, gettext_lazy("唯一")),
        Column("mobile", "手机", False),
        Column("email", "邮箱", False),
        Column("skills", "技能代码", False, gettext_lazy("已有技能的代码，多个用 ; 分隔")),
        Column(
            "certificate_numbers",
            "证书编号",
            False,
            gettext_lazy("多个用 ; 分隔，第 n 个证书对应第 n 个技能"),
        ),
        Column(
            "certificate_expiry",
            "证书有效期至",
            False,
            gettext_lazy("与证书编号一一对应，如 2027-06-30"),
        ),
        Column(
            "certificate_issued",
            "证书发证日期",
            False,
            gettext_lazy("与证书编号一一对应；留空为导入当天"),
        ),
    )

    def may_import(self, actor: Any) -> bool:
        return roles.can_edit_master_data(actor)

    def may_export(self, actor: Any) -> bool:
        return roles.can_edit_master_data(actor) or roles.has_role(actor, Role.HR)

    def validate(self, rows: list[Row], errors: Errors) -> list[_StaffPlan]:
        User = get_user_model()
        usernames = [r.text("username") for r in rows]
        numbers = [r.text("employee_no") for r in rows]
        taken_users = {
            u.lower()
            for u in User.objects.filter(username__in=usernames).values_list("username", flat=True)
        }
        taken_numbers = set(
            Staff.objects.filter(employee_no__in=numbers).values_list("employee_no", flat=True)
        )
        outlets = {
            o.code: o for o in Outlet.objects.filter(code__in=[r.text("outlet_code") for r in rows])
        }
        skill_codes = {c for r in rows for c in split_list(r.text("skills"))}
        skills = {s.code: s for s in Skill.objects.filter(code__in=skill_codes)}
        staff_roles = [(v, label) for v, label in Role.choices if v != Role.CUSTOMER]
        today = timezone.localdate()
        seen_users: dict[str, int] = {}
        seen_numbers: dict[str, int] = {}
        plan = []
        for row in rows:
            username = errors.required(row, "username")
            if username:
                if not USERNAME_RE.match(username):
                    errors.add(
                        row, "username", _("用户名只能包含字母、数字和 @ . + - _，不能有空格")
                    )
                elif (
                    errors.unique_in_file(seen_users, row, "username", username.lower())
                    and username.lower() in taken_users
                ):
                    errors.add(row, "username", _("用户名“%(u)s”已存在") % {"u": username})
            name = errors.required(row, "name") or ""
            role = ""
            if errors.required(row, "role"):
                role = errors.choice(row, "role", staff_roles, "")
            department = errors.choice(
                row, "department", Department.choices, ROLE_DEPARTMENT.get(role, "")
            )
            outlet_code = row.text("outlet_code")
            outlet = outlets.get(outlet_code)
            if outlet_code and outlet is None:
                errors.add(
                    row, "outlet_code", _("网点编号“%(code)s”不存在") % {"code": outlet_code}
                )
            problem = separation_problem(
                role=role, department=department, in_outlet=bool(outlet_code)
            )
            if problem:
                errors.add(row, "role", problem)
            if role in (Role.TECHNICIAN, Role.STATION_MANAGER) and not outlet_code:
                errors.add(row, "outlet_code", _("服务工程师和服务站经理必须填写所属网点"))
            number = errors.required(row, "employee_no")
            if (
                number
                and errors.unique_in_file(seen_numbers, row, "employee_no", number)
                and number in taken_numbers
            ):
                errors.add(row, "employee_no", _("工号“%(no)s”已存在") % {"no": number})
            mobile = row.text("mobile")
            if mobile and not re.fullmatch(r"(?:\+?86)?1[3-9]\d{9}", mobile.replace(" ", "")):
                errors.add(
                    row,
                    "mobile",
                    _("手机号“%(value)s”格式不正确，请填写 11 位手机号") % {"value": mobile},
                )
            own_skills = []
            for code in split_list(row.text("skills")):
                skill = skills.get(code)
                if skill is None:
                    errors.add(row, "skills", _("技能代码“%(code)s”不存在") % {"code": code})
                elif skill not in own_skills:
                    own_skills.append(skill)
            certificates = self._certificates(row, errors, own_skills, today)
            last, first = _split_name(name)
            user = User(
                username=username or "",
                last_name=last,
                first_name=first,
                role=role or Role.TECHNICIAN,
                department=department,
                mobile=mobile.replace(" ", "")[-11:] if mobile else "",
                email=row.text("email"),
                is_staff=True,
            )
            user.set_unusable_password()
            plan.append(
                _StaffPlan(
                    user,
                    Staff(outlet=outlet, employee_no=number or ""),
                    own_skills,
                    certificates,
                )
            )
        return plan

    def _certificates(
        self, row: Row, errors: Errors, skills: list[Skill], today: date
    ) -> list[Certificate]:
        numbers = split_list(row.text("certificate_numbers"))
        expiries = split_list(row.text("certificate_expiry"))
        issued = split_list(row.text("certificate_issued"))
        if not numbers:
            if expiries:
                errors.add(row, "certificate_numbers", _("填写了有效期，请同时填写证书编号"))
            return []
        if len(numbers) > len(skills):
            errors.add(
                row,
                "certificate_numbers",
                _("证书 %(n)s 个，但技能只有 %(m)s 个：第 n 个证书对应第 n 个技能")
                % {"n": len(numbers), "m": len(skills)},
            )
            return []
        if len(expiries) != len(numbers):
            errors.add(
                row,
                "certificate_expiry",
                _("证书编号 %(n)s 个，有效期 %(m)s 个，两者须一一对应")
                % {"n": len(numbers), "m": len(expiries)},
            )
            return []
        if issued and len(issued) != len(numbers):
            errors.add(row, "certificate_issued", _("发证日期须与证书编号一一对应，或整列留空"))
            return []
        result = []
        for index, number in enumerate(numbers):
            valid_until = parse_date(expiries[index])
            issued_on = parse_date(issued[index]) if issued else today
            if valid_until is None:
                errors.add(
                    row,
                    "certificate_expiry",
                    _("日期“%(value)s”无法识别，请写成 2027-06-30 这样的格式")
                    % {"value": expiries[index]},
                )
                continue
            if issued_on is None:
                errors.add(
                    row,
                    "certificate_issued",
                    _("日期“%(value)s”无法识别") % {"value": issued[index]},
                )
                continue
            if issued and valid_until < issued_on:
                errors.add(row, "certificate_expiry", _("有效期不能早于发证日期"))
                continue
            result.append(
                Certificate(
                    skill=skills[index],
                    number=number,
                    issued_on=min(issued_on, valid_until),
                    valid_until=valid_until,
                )
            )
        return result

    def save(self, plan: list[_StaffPlan], actor: Any) -> int:
        User = get_user_model()
        users = bulk_create_with_history([p.user for p in plan], User, default_user=actor)
        by_username = {u.username: u for u in users}
        for p in plan:
            p.staff.user = by_username[p.user.username]
        staff = bulk_create_with_history([p.staff for p in plan], Staff, default_user=actor)
        by_number = {s.employee_no: s for s in staff}
        through = Staff.skills.through
        through.objects.bulk_create(
            [
                through(staff_id=by_number[p.staff.employee_no].pk, skill_id=skill.pk)
                for p in plan
                for skill in p.skills
            ]
        )
        certificates = []
        for p in plan:
            for certificate in p.certificates:
                certificate.staff = by_number[p.staff.employee_no]
                certificates.append(certificate)
        bulk_create_with_history(certificates, Certificate, default_user=actor)
        return len(staff)

    def export_rows(self, actor: Any) -> Iterable[Sequence[Any]]:
        qs = staff_visible_to(actor) if actor is not None else Staff.objects.all()
        qs = (
            qs.select_related("user", "outlet")
            .prefetch_related("skills", "certificates__skill")
            .order_by("employee_no")
        )
        role_labels = dict(Role.choices)
        department_labels = dict(Department.choices)
        for s in qs:
            skills = list(s.skills.all())
            # Certificates line up with the skills they certify, as the import expects.
            by_skill = {c.skill_id: c for c in s.certificates.all()}
            certified = [by_skill[k.pk] for k in skills if k.pk in by_skill]
            ordered = [k for k in skills if k.pk in by_skill] + [
                k for k in skills if k.pk not in by_skill
            ]
            yield [
                s.user.username,
                f"{s.user.last_name}{s.user.first_name}",
                str(role_labels.get(s.user.role, s.user.role)),
                str(department_labels.get(s.user.department, s.user.department)),
                s.outlet.code if s.outlet else "",
                s.employee_no,
                s.user.mobile,
                s.user.email,
                ";".join(k.code for k in ordered),
                ";".join(c.number for c in certified),
                ";".join(c.valid_until.isoformat() for c in certified),
                ";".join(c.issued_on.isoformat() for c in certified),
            ]


register_importer(OutletImporter())
register_importer(StaffImporter())
