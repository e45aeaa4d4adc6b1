"""The seed's medical-equipment case (seed 001, 5th plan): the goal, its 4 criteria and 15
indicators. The seed prints the criteria, the goal's weights (0.1115, 0.1813, 0.0546, 0.6527,
CR 0.0303), the five indicators of the service support system (B31 … B35, with B33 remote
technical support) and the indicators it names in its findings (服务态度, 服务申请流程简单,
检修保养及时, 响应时间, 用户需求满足度); the other indicators are named here after what a
hospital asks of a vendor's after-sales service."""

from __future__ import annotations

DEFAULT_GOAL = "医疗设备厂商售后服务质量"

DEFAULT_TREE: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("服务人员", ("服务态度", "专业技术水平", "沟通能力", "人员稳定性")),
    ("备件管理", ("备件供应及时", "备件质量", "备件价格合理")),
    (
        "服务支持体系",
        ("服务申请流程简单", "服务网点覆盖", "远程技术服务支持", "技术培训", "技术资料完备"),
    ),
    ("服务效果", ("检修保养及时", "响应时间", "用户需求满足度")),
)
