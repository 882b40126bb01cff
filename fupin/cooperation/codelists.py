"""Code tables of the helping side. Programmes themselves are data (Programme rows seeded from
data/programmes.json), so a province can add its own without a release."""

from fupin.core.codelists import code_list

PARTY_KIND = code_list("帮扶主体类型", [
    ("area", "行政区域", "administrative area"),
    ("central_unit", "中央单位", "central unit", "中央定点帮扶单位"),
    ("provincial_unit", "省直单位", "provincial unit", "省直定点帮扶单位"),
    ("local_unit", "市县单位", "prefecture or county unit"),
    ("enterprise", "企业", "enterprise", "民营企业"),
    ("social_org", "社会组织", "social organisation"),
    ("school", "学校", "school"),
    ("university", "高校", "university", "高等院校"),
    ("hospital", "医院", "hospital"),
    ("medical", "医疗机构", "medical institution", "卫生院"),
    ("financial", "金融机构", "financial institution"),
    ("household", "农户", "household"),
])
# Kinds that must carry a unified social credit code (统一社会信用代码).
CREDIT_CODE_KINDS = {"enterprise", "social_org"}

PAIRING_STATUS = code_list("结对状态", [
    ("active", "帮扶中", "active"),
    ("suspended", "暂停", "suspended"),
    ("ended", "已结束", "ended"),
])

FUND_KIND = code_list("资金类别", [
    ("fiscal_aid", "财政援助资金", "fiscal aid", "财政帮扶资金"),
    ("donation", "社会捐赠", "donation", "捐款捐物"),
])

FUND_PURPOSE = code_list("资金用途", [
    ("industry", "产业合作", "industrial cooperation", "产业"),
    ("labour", "劳务协作", "labour cooperation", "劳务"),
    ("education", "教育", "education"),
    ("health", "医疗卫生", "health"),
    ("infrastructure", "基础设施", "infrastructure"),
    ("housing", "住房", "housing"),
    ("other", "其他", "other"),
])
INDUSTRY_AND_LABOUR = {"industry", "labour"}

TALENT_KIND = code_list("人才类型", [
    ("cadre", "挂职干部", "seconded cadre", "党政干部"),
    ("professional", "专业技术人才", "professional", "专技人才"),
])
TALENT_FIELD = code_list("支援领域", [
    ("education", "支教", "teaching"),
    ("medical", "支医", "medicine"),
    ("agriculture", "支农", "agriculture"),
    ("finance", "金融", "finance", "金融业务骨干", "金融挂职"),
    ("other", "其他", "other"),
])
DIRECTION = code_list("方向", [
    ("to_helped", "东部到西部", "to the helped side", "东到西", "选派"),
    ("to_helper", "西部到东部", "to the helping side", "西到东", "交流"),
])
TRANSPORT = code_list("组织输送", [
    ("", "无", "none"),
    ("bus", "包车", "chartered bus"),
    ("train", "专列", "chartered train"),
    ("plane", "包机", "chartered plane"),
])

LEADER_LEVEL = code_list("领导层级", [
    ("province", "省级党政主要领导", "provincial party or government leader", "省级"),
    ("prefecture", "市级党政主要领导", "prefectural party or government leader", "市级"),
    ("county", "县级党政主要领导", "county party or government leader", "县级"),
])
