"""Code tables of household assistance. The measure catalogue itself is data (MeasureType rows seeded from
data/measures.json: each type's 五个一批 batch, the causes of poverty and the 两不愁三保障 indicators it
addresses), so a province can add a measure without a release."""

from fupin.core.codelists import code_list

# 五个一批 (2015 decision on winning the fight against poverty): the five routes out of poverty.
BATCH = code_list("五个一批", [
    ("production", "发展生产脱贫一批", "out of poverty through production"),
    ("relocation", "易地搬迁脱贫一批", "out of poverty through relocation"),
    ("ecological", "生态补偿脱贫一批", "out of poverty through ecological compensation"),
    ("education", "发展教育脱贫一批", "out of poverty through education"),
    ("social_security", "社会保障兜底一批", "covered by the social safety net"),
])

PLAN_OUTCOME = code_list("帮扶成效", [
    ("in_progress", "帮扶中", "in progress"),
    ("achieved", "达到预期", "achieved"),
    ("not_achieved", "未达预期", "not achieved"),
])

RESPONSIBLE_LEVEL = code_list("帮扶责任人层级", [
    ("province", "省直", "provincial unit"),
    ("prefecture", "市直", "prefecture unit"),
    ("county", "县直", "county unit"),
    ("township", "乡镇", "township"),
    ("village", "村", "village"),
])

SITE_KIND = code_list("安置方式", [
    ("centralised", "集中安置", "centralised"),
    ("scattered", "分散安置", "scattered"),
])

ORIGIN_ACTION = code_list("搬迁进度", [
    ("started", "启动搬迁", "relocation started"),
    ("completed", "完成搬迁", "relocation completed"),
    ("demolished", "拆除旧房", "old houses demolished"),
    ("reclaimed", "复垦复绿", "land reclaimed"),
])
# The order the actions happen in: an action needs the one before it.
ORIGIN_ACTION_ORDER = ("started", "completed", "demolished", "reclaimed")

LOAN_STATUS = code_list("贷款状态", [
    ("current", "正常", "current"),
    ("overdue", "逾期", "overdue"),
    ("repaid", "已结清", "repaid"),
])
