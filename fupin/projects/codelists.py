"""Code tables of the project bank. Project types (with their unit of scale) and the documents each stage
requires are data (data/project_types.json, data/stage_documents.json), read once, so a province can add a
type or require another document without a release."""

import json
from functools import cache
from pathlib import Path

from fupin.core.codelists import code_list, localized

DATA = Path(__file__).resolve().parent / "data"
_TYPES = json.loads((DATA / "project_types.json").read_text(encoding="utf-8"))
_DOCUMENTS = json.loads((DATA / "stage_documents.json").read_text(encoding="utf-8"))

PROJECT_TYPE = code_list("扶贫项目类型", [(item["code"], item["zh"], item["en"], *item["aliases"])
                                         for item in _TYPES])
_UNITS = {item["code"]: (item["unit_zh"], item["unit_en"]) for item in _TYPES}
# Types whose money counts as spent on industry (产业发展) in the linked funds' industry share; a flag of the data.
INDUSTRY_TYPES = frozenset(item["code"] for item in _TYPES if item.get("industry"))


def unit_of(project_type: str, language: str | None = None) -> str:
    """The unit a type's scale is counted in (亩, 千瓦, 户 …); "" for types whose scale has no unit."""
    zh, en = _UNITS.get(project_type, ("", ""))
    return localized(zh, en, language) if zh else ""


PROJECT_STATUS = code_list("项目状态", [
    ("planned", "储备", "planned", "入库", "项目储备"),
    ("underway", "实施中", "underway", "在建"),
    ("completed", "已完成", "completed", "已完工"),
    ("cancelled", "已取消", "cancelled", "取消", "撤销"),
])

# The stages in the order they must complete.
STAGE = code_list("项目阶段", [
    ("apply", "申报", "application"),
    ("approve", "审批", "approval"),
    ("implement", "实施", "implementation", "建设"),
    ("accept", "验收", "acceptance"),
    ("handover", "资产移交", "asset handover", "移交"),
])
STAGE_ORDER = tuple(item.code for item in STAGE.codes)

DOCUMENT_KIND = code_list("项目文档类型", [(item["code"], item["zh"], item["en"]) for item in _DOCUMENTS["kinds"]])


@cache
def required_documents(project_type: str, stage: str) -> tuple[str, ...]:
    """Document kinds a stage of a project of this type cannot complete without: the type's own list for the
    stage if the data gives one, the default list otherwise."""
    required = _DOCUMENTS["required"]
    own = required.get(project_type, {})
    return tuple(own[stage] if stage in own else required["default"].get(stage, []))


BENEFIT_MECHANISM = code_list("利益联结机制", [
    ("wages", "务工", "wages", "务工就业", "就业"),
    ("dividends", "分红", "dividends", "收益分红"),
    ("land_rent", "土地流转", "land rent", "土地租金", "流转"),
    ("shares", "入股", "shares", "资金入股", "股份合作"),
    ("contract_purchase", "订单收购", "contract purchase", "订单", "保底收购"),
    ("asset_income", "资产收益", "asset income", "资产收益扶贫"),
    ("direct", "直接受益", "direct benefit", "直接帮扶"),
    ("other", "其他", "other"),
])

ASSET_KIND = code_list("扶贫资产类型", [
    ("productive", "经营性", "productive", "经营性资产"),
    ("public", "公益性", "public", "公益性资产"),
    ("household", "到户类", "household", "到户类资产", "到户"),
])

ASSET_OWNER = code_list("资产所有者类型", [
    ("collective", "村集体", "village collective", "村集体经济组织"),
    ("household", "农户", "household", "贫困户"),
    ("enterprise", "企业", "enterprise", "经营主体"),
    ("government", "政府部门", "government department", "乡镇政府", "县政府"),
])

# Where an asset's money came from (国办函〔2021〕51号: assets formed since 2013 from fiscal funds, bonds used for
# poverty alleviation, East–West cooperation, 定点帮扶 and social donations).
ASSET_SOURCE = code_list("扶贫资产资金来源", [
    ("fiscal", "财政资金", "fiscal funds", "财政", "财政专项扶贫资金", "衔接资金"),
    ("bonds", "政府债券", "government bonds", "债券", "地方政府债券"),
    ("east_west", "东西部协作资金", "East–West cooperation funds", "东西部协作", "东西部扶贫协作"),
    ("paired_unit", "定点帮扶资金", "designated-assistance funds", "定点帮扶", "定点扶贫"),
    ("donation", "社会捐赠", "social donations", "捐赠"),
    ("other", "其他", "other"),
])
# The earliest day an asset of the register may have been formed: the register covers assets since 2013.
ASSETS_FORMED_SINCE = "2013-01-01"

# The level the ownership was confirmed to (确权登记).
OWNER_LEVEL = code_list("确权层级", [
    ("county", "县级", "county", "县"),
    ("township", "乡镇级", "township", "乡镇", "乡级"),
    ("village", "村级", "village", "村", "村集体"),
    ("household", "农户", "household", "户", "到户"),
])

ASSET_STATUS = code_list("资产状态", [
    ("in_use", "在用", "in use", "正常"),
    ("disposing", "处置中", "disposal under way", "处置审批中"),
    ("disposed", "已处置", "disposed", "处置"),
])

# A disposal's steps in order: applied → approved by the township → approved by the county → disposed; a refusal
# at either approval ends it (the asset stays in use).
DISPOSAL_STATUS = code_list("资产处置状态", [
    ("applied", "已申请", "applied"),
    ("township", "乡镇已审核", "approved by the township", "乡镇审核"),
    ("county", "县级已审批", "approved by the county", "县级审批"),
    ("disposed", "已处置", "disposed"),
    ("rejected", "未通过", "rejected", "驳回"),
])
DISPOSAL_OPEN = ("applied", "township", "county")

INCOME_RECIPIENT = code_list("收益分配对象", [
    ("village", "村集体", "village collective", "村"),
    ("household", "农户", "household", "户"),
])

DELAY_COLOUR = code_list("进度预警", [
    ("green", "正常", "on time", "绿"),
    ("yellow", "滞后", "overdue", "黄", "预警"),
    ("red", "严重滞后", "seriously overdue", "红"),
])

# Which owner each class of asset may have (国办函〔2021〕51号, 关于加强脱贫攻坚期内扶贫项目资产后续管理的指导意见):
# 公益性资产 are confirmed to the village collective or, when they serve several villages, to the township or
# county's department; 到户类资产 belong to the household that received them; 经营性资产 to whoever receives the
# income (a household, the collective, an enterprise holding it, the township or county).
ASSET_OWNERS_ALLOWED = {
    "productive": ("collective", "household", "enterprise", "government"),
    "public": ("collective", "government"),
    "household": ("household",),
}

# The file types a project document may be (checked from the content, fupin.projects.documents) and the extension
# each is stored under; an upload's own extension must be one of its type's.
DOCUMENT_TYPES = {
    "application/pdf": ".pdf",
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/tiff": ".tif",
    "application/msword": ".doc",
    "application/vnd.ms-excel": ".xls",
    "application/vnd.ms-powerpoint": ".ppt",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": ".pptx",
    "application/vnd.oasis.opendocument.text": ".odt",
    "application/vnd.oasis.opendocument.spreadsheet": ".ods",
    "application/vnd.oasis.opendocument.presentation": ".odp",
}
EXTENSIONS = {
    ".pdf": ("application/pdf",), ".jpg": ("image/jpeg",), ".jpeg": ("image/jpeg",), ".png": ("image/png",),
    ".tif": ("image/tiff",), ".tiff": ("image/tiff",),
    # An old binary Office file names its program only inside; .doc, .xls and .ppt are all OLE2 containers.
    ".doc": ("application/msword",), ".xls": ("application/vnd.ms-excel",),
    ".ppt": ("application/vnd.ms-powerpoint",),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document",),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",),
    ".pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation",),
    ".odt": ("application/vnd.oasis.opendocument.text",),
    ".ods": ("application/vnd.oasis.opendocument.spreadsheet",),
    ".odp": ("application/vnd.oasis.opendocument.presentation",),
}
