from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from aftersales.service.models import WorkOrder


class Callback(models.Model):
    """A callback call (回访) that falls due when an order closes. The feedback form and the
    survey come with the supervision issue; for now the callback is scheduled and completed."""

    class Status(models.TextChoices):
        DUE = "due", _("待回访")
        DONE = "done", _("已回访")

    order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="callbacks")
    due_at = models.DateTimeField(_("回访时限"))
    status = models.CharField(
        _("状态"), max_length=8, choices=Status.choices, default=Status.DUE, db_index=True
    )
    done_at = models.DateTimeField(_("回访时间"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("回访人"),
    )
    notes = models.TextField(_("回访记录"), blank=True)

    class Meta:
        ordering = ["due_at"]
        verbose_name = _("回访")
        verbose_name_plural = _("回访")

    def __str__(self) -> str:
        return f"{self.order.number}"


class Grade(models.TextChoices):
    """The A–E grades of the feedback form (S10); points are the assessment's business (S12)."""

    A = "A", _("A 很满意")
    B = "B", _("B 满意")
    C = "C", _("C 一般")
    D = "D", _("D 不满意")
    E = "E", _("E 很不满意")


class SupervisionSettings(models.Model):
    """One row of supervision configuration (seeded with the SPEC's defaults)."""

    survey_valid_days = models.PositiveSmallIntegerField(_("调查链接有效天数"), default=14)
    survey_per_hour = models.PositiveIntegerField(_("每个地址每小时可打开调查页次数"), default=30)
    # S10: the inspector's identity is for the head of supervision alone. One named person, set
    # by an administrator, rather than "any supervisor".
    head = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        limit_choices_to={"role": "supervisor"},
        verbose_name=_("监督部负责人"),
    )

    class Meta:
        verbose_name = _("监督设置")
        verbose_name_plural = _("监督设置")

    def __str__(self) -> str:
        return str(_("监督设置"))

    @classmethod
    def get(cls) -> SupervisionSettings:
        obj, _created = cls.objects.get_or_create(pk=1)
        return obj


class SurveyForm(models.Model):
    """A configurable survey (S11): the technician rating asked with every after-service survey,
    the annual satisfaction survey each October, customer opinion cards. Edited in the admin;
    the after-service feedback form's three A–E items are fixed (S10) and not a SurveyForm."""

    class Kind(models.TextChoices):
        TECHNICIAN = "technician", _("工程师评价（随每次服务调查）")
        ANNUAL = "annual", _("年度满意度调查")
        OPINION_CARD = "opinion_card", _("客户意见卡")

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    title = models.CharField(_("标题"), max_length=100)
    title_en = models.CharField(_("英文标题"), max_length=100, blank=True)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    intro = models.TextField(_("说明"), blank=True)
    intro_en = models.TextField(_("英文说明"), blank=True)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["kind", "code"]
        verbose_name = _("调查问卷")
        verbose_name_plural = _("调查问卷")

    def __str__(self) -> str:
        return self.title

    # The customer reads the survey in their language: the English text where one is given,
    # the Chinese otherwise (forms are edited by people, not in the translation catalogue).
    @property
    def shown_title(self) -> str:
        return _in_language(self.title, self.title_en)

    @property
    def shown_intro(self) -> str:
        return _in_language(self.intro, self.intro_en)


def _in_language(zh: str, en: str) -> str:
    return en if en and (get_language() or "").startswith("en") else zh


class SurveyQuestion(models.Model):
    class Kind(models.TextChoices):
        GRADE = "grade", _("A–E 评价")
        TEXT = "text", _("文字")

    form = models.ForeignKey(SurveyForm, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(_("顺序"), default=0)
    text = models.CharField(_("问题"), max_length=200)
    text_en = models.CharField(_("英文问题"), max_length=200, blank=True)
    kind = models.CharField(_("题型"), max_length=8, choices=Kind.choices, default=Kind.GRADE)
    required = models.BooleanField(_("必答"), default=True)

    class Meta:
        ordering = ["form", "position", "pk"]
        verbose_name = _("调查问题")
        verbose_name_plural = _("调查问题")

    def __str__(self) -> str:
        return self.text

    @property
    def shown_text(self) -> str:
        return _in_language(self.text, self.text_en)


class SurveyInvitation(models.Model):
    """A single-use survey link: after an order closes (`order`, with the feedback form), or for
    a survey form sent to a customer (`form`, `customer`: the annual survey). Only the SHA-256 of
    the token is stored: the token itself travels in the link and nowhere else."""

    order = models.ForeignKey(
        WorkOrder,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="survey_invitations",
    )
    form = models.ForeignKey(
        SurveyForm,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="invitations",
        verbose_name=_("调查问卷"),
    )
    customer = models.ForeignKey(
        "customers.Customer",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("客户"),
    )
    token_hash = models.CharField(max_length=64, unique=True)
    channel = models.CharField(_("渠道"), max_length=8, default="sms")
    sent_to = models.CharField(_("发送至"), max_length=254, blank=True)
    created_at = models.DateTimeField(_("发送时间"), auto_now_add=True, db_index=True)
    expires_at = models.DateTimeField(_("有效期至"))
    used_at = models.DateTimeField(_("回答时间"), null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("满意度调查邀请")
        verbose_name_plural = _("满意度调查邀请")

    def __str__(self) -> str:
        return self.order.number if self.order is not None else str(self.form)


class SurveyResponse(models.Model):
    """The answers to a survey form: one per invitation (or per paper card typed in)."""

    form = models.ForeignKey(SurveyForm, on_delete=models.PROTECT, related_name="responses")
    invitation = models.OneToOneField(
        SurveyInvitation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    order = models.ForeignKey(
        WorkOrder, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    customer = models.ForeignKey(
        "customers.Customer", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(_("回答时间"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("调查答卷")
        verbose_name_plural = _("调查答卷")

    def __str__(self) -> str:
        return f"{self.form} {self.created_at:%Y-%m-%d}"


class SurveyAnswer(models.Model):
    """One answer; for a technician rating, one per question and technician of the order."""

    response = models.ForeignKey(SurveyResponse, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(SurveyQuestion, on_delete=models.PROTECT, related_name="+")
    technician = models.ForeignKey(
        "network.Staff", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    grade = models.CharField(max_length=1, blank=True)
    text = models.TextField(blank=True)

    class Meta:
        verbose_name = _("答案")
        verbose_name_plural = _("答案")

    def __str__(self) -> str:
        return self.grade or self.text[:30]


class FeedbackForm(models.Model):
    """意见反馈表: three A–E items and comments, from a callback (typed in by supervision) or a
    survey (answered by the customer). Each order counts its first form only; supervision
    verifies it before the assessment uses it."""

    class Source(models.TextChoices):
        CALLBACK = "callback", _("电话回访")
        SURVEY = "survey", _("客户问卷")

    order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="feedback_forms")
    source = models.CharField(_("来源"), max_length=10, choices=Source.choices)
    callback = models.ForeignKey(
        Callback, null=True, blank=True, on_delete=models.SET_NULL, related_name="feedback_forms"
    )
    invitation = models.OneToOneField(
        SurveyInvitation,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="feedback_form",
    )
    timeliness = models.CharField(_("服务时效"), max_length=1, choices=Grade.choices)
    quality = models.CharField(_("维修质量"), max_length=1, choices=Grade.choices)
    attitude = models.CharField(_("服务态度"), max_length=1, choices=Grade.choices)
    comments = models.TextField(_("意见"), blank=True)
    counted = models.BooleanField(_("计入考核"), default=True)
    verified = models.BooleanField(_("已核实"), default=False)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("核实人"),
    )
    verified_at = models.DateTimeField(_("核实时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("登记人"),
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("意见反馈表")
        verbose_name_plural = _("意见反馈表")
        constraints = [
            models.UniqueConstraint(
                fields=["order"],
                condition=models.Q(counted=True),
                name="feedback_one_counted_per_order",
            )
        ]

    def __str__(self) -> str:
        return f"{self.order.number} {self.timeliness}{self.quality}{self.attitude}"


class MysteryInspector(models.Model):
    """秘密监察员: a person posted by supervision who works normally inside the service
    department (seed 000) — the one exception to the separation rule. Everybody but the head of
    supervision sees only the alias."""

    alias = models.CharField(_("代号"), max_length=20, unique=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("人员"),
    )
    active = models.BooleanField(_("在岗"), default=True)
    appointed_at = models.DateTimeField(_("委派时间"), auto_now_add=True)

    class Meta:
        ordering = ["alias"]
        verbose_name = _("秘密监察员")
        verbose_name_plural = _("秘密监察员")

    def __str__(self) -> str:
        return self.alias


class MysteryInspection(models.Model):
    """秘密监察: an inspection record scored against the "seven ones" (seed 003). Visible to
    supervision and the directors only."""

    CHECKLIST = (
        ("uniform", _("统一着装")),
        ("apology", _("致歉打扰")),
        ("shoe_covers", _("穿鞋套")),
        ("work_cloth", _("铺垫布")),
        ("no_drink", _("不喝客户一口水")),
        ("no_cigarette", _("不抽客户一支烟")),
        ("service_card", _("客户填写服务卡")),
    )

    # Who inspected: a supervisor openly, or an undisclosed inspector (shown by alias).
    inspector = models.ForeignKey(
        MysteryInspector,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="inspections",
        verbose_name=_("秘密监察员"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("登记人"),
    )
    date = models.DateField(_("检查日期"))
    order = models.ForeignKey(
        WorkOrder,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("工单"),
    )
    uniform = models.BooleanField(_("统一着装"), default=False)
    apology = models.BooleanField(_("致歉打扰"), default=False)
    shoe_covers = models.BooleanField(_("穿鞋套"), default=False)
    work_cloth = models.BooleanField(_("铺垫布"), default=False)
    no_drink = models.BooleanField(_("不喝客户一口水"), default=False)
    no_cigarette = models.BooleanField(_("不抽客户一支烟"), default=False)
    service_card = models.BooleanField(_("客户填写服务卡"), default=False)
    score = models.PositiveSmallIntegerField(_("得分"), default=0, editable=False)
    findings = models.TextField(_("发现的问题"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "-pk"]
        verbose_name = _("秘密监察")
        verbose_name_plural = _("秘密监察")

    def __str__(self) -> str:
        return f"{self.date} {self.score}/7"

    def save(self, *args: object, **kwargs: object) -> None:
        self.score = sum(1 for name, _label in self.CHECKLIST if getattr(self, name))
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    @property
    def inspector_label(self) -> str:
        return self.inspector.alias if self.inspector is not None else str(self.recorded_by)


class CustomerVisit(models.Model):
    """走访重点客户 / 客户座谈会: planned, then recorded (findings) or cancelled."""

    class Kind(models.TextChoices):
        KEY_CUSTOMER = "key_customer", _("走访重点客户")
        FORUM = "forum", _("客户座谈会")

    class Status(models.TextChoices):
        PLANNED = "planned", _("计划中")
        DONE = "done", _("已完成")
        CANCELLED = "cancelled", _("已取消")

    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    customer = models.ForeignKey(
        "customers.Customer",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("客户"),
    )
    planned_date = models.DateField(_("计划日期"), db_index=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.PLANNED, db_index=True
    )
    attendees = models.TextField(_("参加人员"), blank=True)
    findings = models.TextField(_("发现的问题"), blank=True)
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("登记人"),
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        ordering = ["-planned_date", "-pk"]
        verbose_name = _("客户走访")
        verbose_name_plural = _("客户走访")

    def __str__(self) -> str:
        return f"{self.planned_date} {self.get_kind_display()}"


class Suggestion(models.Model):
    """意见箱: a suggestion from the public page or typed in from a paper form."""

    class Channel(models.TextChoices):
        PUBLIC = "public", _("网页")
        PAPER = "paper", _("纸质")

    text = models.TextField(_("意见"))
    name = models.CharField(_("姓名"), max_length=60, blank=True)
    contact = models.CharField(_("联系方式"), max_length=60, blank=True)
    channel = models.CharField(_("来源"), max_length=8, choices=Channel.choices)
    received_at = models.DateTimeField(_("收到时间"), default=timezone.now, db_index=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("登记人"),
    )

    class Meta:
        ordering = ["-received_at", "-pk"]
        verbose_name = _("意见建议")
        verbose_name_plural = _("意见建议")

    def __str__(self) -> str:
        return self.text[:30]
