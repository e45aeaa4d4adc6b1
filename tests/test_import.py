"""Master-data import and export (S1): every bad row reported with its row and column, nothing
imported when any row is bad; the admin page, the command and the API all do the same."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from aftersales.accounts.models import Role, User
from aftersales.core.importing import export_master_data, import_master_data, template_file
from aftersales.customers.models import Address, Contact, Customer
from aftersales.network.models import Certificate, Outlet, Staff
from aftersales.products.models import ProductModel, Unit

from . import factories as f
from .conftest import api_client_for, client_for

CUSTOMER_HEADERS = [
    "客户编号",
    "名称",
    "类型",
    "联系人",
    "联系人手机",
    "地区代码",
    "地区名称",
    "详细地址",
]
GOOD_CUSTOMERS = [
    ["C-001", "首都机场集团", "单位", "王工", "13900000001", "110105000000", "", "机场路1号"],
    ["C-002", "李先生", "个人", "李先生", "+86 139 0000 0002", "", "北京市海淀区", "中关村"],
    ["C-003", "天津港", "", "赵工", "13900000003", "", "", ""],
]


def csv_bytes(headers, rows, *, encoding="utf-8-sig") -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(headers)
    writer.writerows(rows)
    return buf.getvalue().encode(encoding)


def xlsx_bytes(headers, rows) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(headers)
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@pytest.fixture
def director(world):
    return world["director"]


def run(kind, content, actor, name="data.csv"):
    return import_master_data(kind=kind, file_name=name, content=content, actor=actor)


def messages_by_cell(result):
    return {(e.row, e.column): e.message for e in result.errors}


# --- customers ------------------------------------------------------------------------------


def test_a_good_customer_file_imports_every_row_with_contacts_and_addresses(director):
    result = run("customers", csv_bytes(CUSTOMER_HEADERS, GOOD_CUSTOMERS), director)
    assert result.ok, result.errors
    assert result.created == 3
    airport = Customer.objects.get(code="C-001")
    assert airport.contacts.get().mobile == "13900000001"
    assert airport.addresses.get().region.code == "110105000000"
    person = Customer.objects.get(code="C-002")
    assert person.kind == "person"
    assert person.contacts.get().mobile == "13900000002"
    assert person.addresses.get().region.code == "110108000000"
    assert not Customer.objects.get(code="C-003").addresses.exists()
    assert airport.history.get().history_user == director


def test_one_bad_row_among_good_ones_imports_nothing_and_names_row_and_column(director):
    rows = [*GOOD_CUSTOMERS]
    rows[1] = ["C-002", "李先生", "个人", "李先生", "1390000", "", "", ""]
    before = (Customer.objects.count(), Contact.objects.count(), Address.objects.count())
    result = run("customers", csv_bytes(CUSTOMER_HEADERS, rows), director)
    assert not result.ok
    assert result.created == 0
    errors = messages_by_cell(result)
    assert list(errors) == [(3, "联系人手机")]
    assert "1390000" in errors[(3, "联系人手机")]
    assert "11 位手机号" in errors[(3, "联系人手机")]
    assert (Customer.objects.count(), Contact.objects.count(), Address.objects.count()) == before


def test_every_bad_row_is_reported_not_only_the_first(director):
    rows = [
        ["", "无编号", "", "", "", "", "", ""],
        ["C-010", "未知地区", "", "", "", "999999999999", "", "某路"],
        ["C-011", "有歧义", "", "", "", "", "朝阳区", "某路"],
        ["C-010", "重复编号", "外星", "", "", "", "", ""],
    ]
    result = run("customers", csv_bytes(CUSTOMER_HEADERS, rows), director)
    errors = messages_by_cell(result)
    assert (2, "客户编号") in errors
    assert "999999999999" in errors[(3, "地区代码")]
    assert "多个地区" in errors[(4, "地区名称")]
    assert "第 3 行重复" in errors[(5, "客户编号")]
    assert "可选" in errors[(5, "类型")]
    assert not Customer.objects.filter(code__startswith="C-01").exists()


def test_importing_the_same_file_twice_is_refused_and_changes_nothing(director):
    content = csv_bytes(CUSTOMER_HEADERS, GOOD_CUSTOMERS)
    assert run("customers", content, director).ok
    snapshot = list(Customer.objects.order_by("pk").values_list("pk", "name"))
    contacts = Contact.objects.count()
    again = run("customers", content, director)
    assert not again.ok
    assert again.created == 0
    assert {e.row for e in again.errors} == {2, 3, 4}
    assert all("已存在" in e.message and e.column == "客户编号" for e in again.errors)
    assert list(Customer.objects.order_by("pk").values_list("pk", "name")) == snapshot
    assert Contact.objects.count() == contacts


def test_xlsx_with_numbers_and_dates_as_excel_stores_them(director):
    rows = [["C-100", "数字手机号客户", "单位", "周工", 13900000100, "110105000000", "", "路"]]
    result = run("customers", xlsx_bytes(CUSTOMER_HEADERS, rows), director, name="c.xlsx")
    assert result.ok, result.errors
    assert Contact.objects.get(customer__code="C-100").mobile == "13900000100"


def test_a_gbk_csv_from_chinese_excel_is_read(director):
    content = csv_bytes(CUSTOMER_HEADERS, GOOD_CUSTOMERS[:1], encoding="gb18030")
    result = run("customers", content, director)
    assert result.ok, result.errors
    assert Customer.objects.get(code="C-001").name == "首都机场集团"


def test_a_missing_required_column_is_reported_on_the_header_row(director):
    result = run("customers", csv_bytes(["名称"], [["无编号客户"]]), director)
    assert [(e.row, e.column) for e in result.errors] == [(1, "客户编号")]
    assert not Customer.objects.filter(name="无编号客户").exists()


def test_an_unreadable_file_is_refused_with_a_clear_message(director):
    from aftersales.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed, match="xlsx"):
        run("customers", b"PK\x03\x04 not really a zip", director, name="x.xlsx")
    with pytest.raises(ValidationFailed, match="CSV"):
        run("customers", b"hello", director, name="x.pdf")


# --- product models and units ---------------------------------------------------------------


def test_product_models_need_a_known_warranty_policy(director, world):
    headers = ["型号代码", "型号名称", "产品类别", "保修政策"]
    bad = run(
        "product_models",
        csv_bytes(headers, [["P-1", "冷柜", "家电", "整机两年"], ["P-2", "冰箱", "家电", "五年"]]),
        director,
    )
    assert messages_by_cell(bad) == {
        (3, "保修政策"): "保修政策“五年”不存在，请先在后台建立该保修政策"
    }
    assert not ProductModel.objects.filter(code__in=["P-1", "P-2"]).exists()
    good = run(
        "product_models", csv_bytes(headers, [["P-1", "冷柜", "家电", "整机两年"]]), director
    )
    assert good.ok and ProductModel.objects.get(code="P-1").warranty_policy.months == 24


UNIT_HEADERS = [
    "序列号",
    "型号代码",
    "客户编号",
    "销售日期",
    "验收日期",
    "延保月数",
    "软件版本",
    "安装地区代码",
    "安装地址",
]


def test_units_import_from_xlsx_with_the_warranty_window_computed(director, world):
    rows = [
        [
            "LBUS1000001",
            "BUS-12",
            world["customer"].code,
            date(2025, 3, 1),
            date(2025, 3, 18),
            12,
            "V1.2",
            "110105000000",
            "建国路1号",
        ],
        ["LBUS1000002", "BUS-12", "", "2025/04/01", "", "", "", "", ""],
    ]
    result = run("units", xlsx_bytes(UNIT_HEADERS, rows), director, name="u.xlsx")
    assert result.ok, result.errors
    first = Unit.objects.get(serial="LBUS1000001")
    assert first.warranty_start == date(2025, 3, 18)
    assert first.warranty_end == date(2028, 3, 17)  # 24 months + 12 extended
    assert first.site_region.code == "110105000000"
    second = Unit.objects.get(serial="LBUS1000002")
    assert second.customer is None and second.warranty_start == date(2025, 4, 1)


def test_units_with_unknown_codes_and_bad_dates_import_nothing(director, world):
    rows = [
        [
            "LBUS2000001",
            "BUS-12",
            world["customer"].code,
            "2025-03-01",
            "2025-02-01",
            "",
            "",
            "",
            "",
        ],
        ["LBUS2000002", "NOPE", "CU-NOPE", "昨天", "", "-1", "", "110105", ""],
        [world["unit"].serial, "BUS-12", "", "", "", "", "", "", ""],
    ]
    result = run("units", csv_bytes(UNIT_HEADERS, rows), director)
    errors = messages_by_cell(result)
    assert "早于销售日期" in errors[(2, "验收日期")]
    assert "NOPE" in errors[(3, "型号代码")]
    assert "CU-NOPE" in errors[(3, "客户编号")]
    assert "昨天" in errors[(3, "销售日期")]
    assert (3, "延保月数") in errors
    assert (3, "安装地区代码") in errors
    assert "已建档" in errors[(4, "序列号")]
    assert not Unit.objects.filter(serial__startswith="LBUS2").exists()


# --- outlets and staff ----------------------------------------------------------------------

OUTLET_HEADERS = ["网点编号", "名称", "类型", "覆盖区域代码", "服务半径（公里）"]


def test_outlets_import_with_regions_separated_by_semicolons(director, world):
    rows = [["TJ-01", "天津服务站", "特约维修站", "120101000000;120102000000", "150"]]
    result = run("outlets", csv_bytes(OUTLET_HEADERS, rows), director)
    assert result.ok, result.errors
    outlet = Outlet.objects.get(code="TJ-01")
    assert outlet.kind == "outsourced"
    assert sorted(outlet.regions.values_list("code", flat=True)) == ["120101000000", "120102000000"]
    assert outlet.service_radius_km == 150
    assert outlet.latitude is not None


def test_an_outlet_with_an_unknown_region_is_refused(director, world):
    rows = [
        ["TJ-02", "天津二站", "", "120101000000；000000000001", ""],
        [world["outlet"].code, "重名", "", "", ""],
    ]
    result = run("outlets", csv_bytes(OUTLET_HEADERS, rows), director)
    errors = messages_by_cell(result)
    assert "000000000001" in errors[(2, "覆盖区域代码")]
    assert "已存在" in errors[(3, "网点编号")]
    assert not Outlet.objects.filter(code="TJ-02").exists()


STAFF_HEADERS = [
    "用户名",
    "姓名",
    "角色",
    "网点编号",
    "工号",
    "技能代码",
    "证书编号",
    "证书有效期至",
]


def test_staff_import_creates_logins_skills_and_certificates(director, world):
    rows = [
        ["zhangwei", "张伟", "服务工程师", "BJ-CY", "E90001", "ELEC", "CERT-1", "2027-06-30"],
        ["lina", "李娜", "客服坐席", "", "E90002", "", "", ""],
    ]
    result = run("staff", csv_bytes(STAFF_HEADERS, rows), director)
    assert result.ok, result.errors
    zhang = Staff.objects.select_related("user", "outlet").get(employee_no="E90001")
    assert zhang.user.role == Role.TECHNICIAN
    assert str(zhang.user) == "张伟"
    assert zhang.outlet.code == "BJ-CY"
    assert not zhang.user.has_usable_password()
    assert list(zhang.skills.values_list("code", flat=True)) == ["ELEC"]
    certificate = Certificate.objects.get(staff=zhang)
    assert (certificate.number, certificate.valid_until) == ("CERT-1", date(2027, 6, 30))
    assert User.objects.get(username="lina").role == Role.AGENT


def test_bad_staff_rows_are_reported_and_nothing_is_created(director, world):
    rows = [
        ["tech", "重名", "服务工程师", "BJ-CY", "E90003", "", "", ""],
        ["newbie", "新人", "顾客", "NOWHERE", "E90004", "ELEC;GHOST", "C1;C2", "2027-01-01"],
        ["newbie2", "新人二", "服务工程师", "", "E90004", "", "", ""],
    ]
    result = run("staff", csv_bytes(STAFF_HEADERS, rows), director)
    errors = messages_by_cell(result)
    assert "已存在" in errors[(2, "用户名")]
    assert "可选" in errors[(3, "角色")]
    assert "NOWHERE" in errors[(3, "网点编号")]
    assert "GHOST" in errors[(3, "技能代码")]
    assert "第 n 个证书对应第 n 个技能" in errors[(3, "证书编号")]
    assert "第 3 行重复" in errors[(4, "工号")]
    assert "必须填写所属网点" in errors[(4, "网点编号")]
    assert not User.objects.filter(username__in=["newbie", "newbie2"]).exists()


# --- who may import -------------------------------------------------------------------------


def test_only_administrators_and_the_director_may_import(world):
    from aftersales.core.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        run("customers", csv_bytes(CUSTOMER_HEADERS, GOOD_CUSTOMERS), world["agent"])
    assert not Customer.objects.filter(code="C-001").exists()


# --- export ---------------------------------------------------------------------------------


def test_formula_looking_cells_are_exported_with_a_leading_apostrophe(director, world):
    f.CustomerFactory(code="=1+1", name='=HYPERLINK("http://evil","点我")', notes="@SUM(A1)")
    content, content_type, name = export_master_data(kind="customers", actor=director, fmt="xlsx")
    assert name.endswith(".xlsx") and "spreadsheetml" in content_type
    ws = load_workbook(io.BytesIO(content)).active
    rows = {row[0].value: row for row in ws.iter_rows(min_row=2)}
    evil = rows["'=1+1"]
    assert evil[1].value == '\'=HYPERLINK("http://evil","点我")'
    assert evil[1].data_type == "s"
    assert evil[10].value == "'@SUM(A1)"
    text, _t, _n = export_master_data(kind="customers", actor=director, fmt="csv")
    assert "'=1+1" in text.decode("utf-8-sig")


def test_an_export_reimports_into_an_empty_database(director, world):
    content, _t, _n = export_master_data(kind="outlets", actor=director, fmt="csv")
    codes = set(Outlet.objects.values_list("code", flat=True))
    world["manager"].delete(), world["tech"].delete(), world["other_tech"].delete()
    Outlet.objects.all().delete()
    result = run("outlets", content, director)
    assert result.ok, result.errors
    assert set(Outlet.objects.values_list("code", flat=True)) == codes
    assert list(Outlet.objects.get(code="BJ-CY").regions.values_list("code", flat=True)) == [
        "110105000000"
    ]


def test_exports_follow_the_selectors_and_mask_for_roles_without_personal_data(world, order):
    supervisor = f.UserFactory(username="fin", role=Role.FINANCE, department="finance")
    text = export_master_data(kind="customers", actor=supervisor, fmt="csv")[0].decode("utf-8-sig")
    mobile = world["customer"].contacts.get().mobile
    assert mobile not in text and mobile[:3] + "****" + mobile[-4:] in text
    manager = world["manager"].user
    staff = export_master_data(kind="staff", actor=director_of(world), fmt="csv")[0].decode(
        "utf-8-sig"
    )
    assert world["other_tech"].employee_no in staff
    units = export_master_data(kind="units", actor=manager, fmt="csv")[0].decode("utf-8-sig")
    assert world["unit"].serial in units and world["other_unit"].serial not in units


def director_of(world):
    return world["director"]


def test_templates_have_the_headers_of_the_import(db):
    content, _t, name = template_file(kind="units", fmt="xlsx")
    wb = load_workbook(io.BytesIO(content))
    headers = [c.value for c in wb.worksheets[0][1]]
    assert headers[:3] == ["序列号", "型号代码", "客户编号"]
    assert wb.worksheets[1].title == "填写说明"
    text = template_file(kind="staff", fmt="csv")[0].decode("utf-8-sig")
    assert text.splitlines()[0].startswith("用户名,姓名,角色")


# --- command, admin page and API ------------------------------------------------------------


def test_the_command_exits_non_zero_and_prints_every_bad_row(world, tmp_path, capsys, monkeypatch):
    from django.core.management import base

    from aftersales.core.management.commands.import_master_data import Command

    # run_from_argv closes the connections when it ends, which would end the test's transaction.
    monkeypatch.setattr(base.connections, "close_all", lambda: None)

    rows = [*GOOD_CUSTOMERS, ["C-004", "坏手机", "", "钱工", "12345", "", "", ""]]
    path = tmp_path / "customers.csv"
    path.write_bytes(csv_bytes(CUSTOMER_HEADERS, rows))
    with pytest.raises(SystemExit) as exit_info:
        Command().run_from_argv(["aftersales", "import_master_data", "customers", str(path)])
    assert exit_info.value.code != 0
    err = capsys.readouterr().err
    assert "第 5 行，“联系人手机”列" in err
    assert "未导入任何数据" in err
    assert not Customer.objects.filter(code__in=["C-001", "C-004"]).exists()


def test_the_command_imports_a_good_file_and_exports_it_again(world, tmp_path):
    path = tmp_path / "customers.xlsx"
    path.write_bytes(xlsx_bytes(CUSTOMER_HEADERS, GOOD_CUSTOMERS))
    out = io.StringIO()
    call_command("import_master_data", "customers", str(path), "--user", "director", stdout=out)
    assert "已导入 3 条" in out.getvalue()
    assert Customer.objects.get(code="C-001").history.get().history_user == world["director"]
    target = tmp_path / "out.csv"
    call_command("export_master_data", "customers", str(target), stdout=io.StringIO())
    assert "C-003" in target.read_text(encoding="utf-8-sig")


def _staff(user):
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return user


def test_the_admin_import_page_previews_errors_and_imports_nothing(world):
    client = client_for(_staff(world["director"]))
    url = reverse("admin:customers_customer_import_data")
    assert client.get(url).status_code == 200
    rows = [*GOOD_CUSTOMERS, ["C-004", "坏手机", "", "钱工", "12345", "", "", ""]]
    upload = SimpleUploadedFile("c.csv", csv_bytes(CUSTOMER_HEADERS, rows))
    page = client.post(url, {"file": upload})
    assert page.status_code == 200
    body = page.content.decode()
    assert 'id="import-errors"' in body
    assert "联系人手机" in body and "12345" in body
    assert not Customer.objects.filter(code="C-001").exists()
    good = SimpleUploadedFile("c.csv", csv_bytes(CUSTOMER_HEADERS, GOOD_CUSTOMERS))
    response = client.post(url, {"file": good})
    assert response.status_code == 302
    assert Customer.objects.filter(code__in=["C-001", "C-002", "C-003"]).count() == 3


def test_the_admin_offers_templates_and_exports(world):
    client = client_for(_staff(world["director"]))
    template = client.get(reverse("admin:products_unit_import_data") + "?template=csv")
    assert template.status_code == 200
    assert template["Content-Disposition"].startswith("attachment")
    export = client.get(reverse("admin:products_unit_export_xlsx"))
    assert export.status_code == 200
    ws = load_workbook(io.BytesIO(export.content)).active
    assert world["unit"].serial in [c.value for c in ws["A"]]


def test_the_api_imports_for_an_administrator(world):
    admin_user = f.UserFactory(username="admin1", role=Role.ADMIN)
    upload = SimpleUploadedFile("c.xlsx", xlsx_bytes(CUSTOMER_HEADERS, GOOD_CUSTOMERS))
    response = api_client_for(admin_user).post(
        "/api/v1/imports/customers/", {"file": upload}, format="multipart"
    )
    assert response.status_code == 201, response.content
    assert response.json()["created"] == 3
    assert Customer.objects.filter(code="C-002").exists()


def test_the_api_answers_400_with_the_row_errors(world):
    rows = [*GOOD_CUSTOMERS, ["C-004", "坏手机", "", "钱工", "12345", "", "", ""]]
    upload = SimpleUploadedFile("c.csv", csv_bytes(CUSTOMER_HEADERS, rows))
    response = api_client_for(world["director"]).post(
        "/api/v1/imports/customers/", {"file": upload}, format="multipart"
    )
    assert response.status_code == 400
    body = response.json()
    assert body["created"] == 0
    assert body["errors"] == [
        {"row": 5, "column": "联系人手机", "message": body["errors"][0]["message"]}
    ]
    assert not Customer.objects.filter(code="C-001").exists()


def test_the_api_refuses_an_agent(world):
    upload = SimpleUploadedFile("c.csv", csv_bytes(CUSTOMER_HEADERS, GOOD_CUSTOMERS))
    response = api_client_for(world["agent"]).post(
        "/api/v1/imports/customers/", {"file": upload}, format="multipart"
    )
    assert response.status_code == 403
    assert not Customer.objects.filter(code="C-001").exists()


def test_the_api_asks_for_a_file_and_a_known_kind(world):
    client = api_client_for(world["director"])
    assert client.post("/api/v1/imports/customers/", {}, format="multipart").status_code == 400
    upload = SimpleUploadedFile("c.csv", csv_bytes(CUSTOMER_HEADERS, GOOD_CUSTOMERS))
    response = client.post("/api/v1/imports/planets/", {"file": upload}, format="multipart")
    assert response.status_code == 400
    assert "planets" in response.json()["detail"]


def test_exports_of_personal_data_are_logged_with_who_how_many_and_whether_masked(
    world, order, tmp_path
):
    from aftersales.core.models import ExportLog

    finance = f.UserFactory(username="fin2", role=Role.FINANCE, department="finance")
    director = world["director"]
    export_master_data(kind="customers", actor=director, fmt="csv")
    export_master_data(kind="customers", actor=finance, fmt="xlsx")
    export_master_data(kind="staff", actor=director, fmt="csv")
    export_master_data(kind="outlets", actor=director, fmt="csv")  # no personal data: not logged
    logged = list(
        ExportLog.objects.order_by("id").values_list("actor__username", "what", "fmt", "masked")
    )
    assert logged == [
        (director.username, "customers", "csv", False),
        ("fin2", "customers", "xlsx", True),
        (director.username, "staff", "csv", False),
    ]
    first = ExportLog.objects.order_by("id").first()
    assert first is not None and first.rows == Customer.objects.count() > 0
    call_command("export_master_data", "customers", str(tmp_path / "c.csv"), stdout=io.StringIO())
    last = ExportLog.objects.order_by("-id").first()
    assert last is not None and last.actor is None  # the command line


def test_the_export_log_is_for_administrators_and_cannot_be_edited(world):
    from aftersales.core.models import ExportLog

    export_master_data(kind="customers", actor=world["director"], fmt="csv")
    url = reverse("admin:core_exportlog_changelist")
    admin = f.UserFactory(username="adm", role=Role.ADMIN, is_staff=True)
    assert client_for(admin).get(url).status_code == 200
    assert client_for(world["director"]).get(url).status_code in (302, 403)
    entry = ExportLog.objects.get()
    rows = entry.rows
    change = reverse("admin:core_exportlog_change", args=[entry.pk])
    client_for(admin).post(change, {"rows": rows + 5, "masked": "on"})
    entry.refresh_from_db()
    assert (entry.rows, entry.masked) == (rows, False)
    assert client_for(admin).post(
        reverse("admin:core_exportlog_delete", args=[entry.pk]), {"post": "yes"}
    ).status_code in (302, 403)
    assert ExportLog.objects.filter(pk=entry.pk).exists()
