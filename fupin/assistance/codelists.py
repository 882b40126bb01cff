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

# When a delivered measure's support ends (issue 26): some measures continue after the household's risk is eliminated
# until their own end — microcredit to the end of its loan contract, a public-welfare post to the end of its
# agreement, 雨露计划 to the end of the school stage.
END_RULE = code_list("帮扶措施终止方式", [
    ("once", "一次性", "one-off"),
    ("date", "至约定日期", "until a set date"),
    ("loan", "至贷款合同结束", "until the loan contract ends"),
    ("agreement", "至岗位协议到期", "until the post agreement ends"),
    ("school_stage", "至学段结束", "until the school stage ends"),
])

# School stages whose year is recorded in the member's 在校生状况 (registry SCHOOL_STATUS): code → (stage, year in
# the stage, years of the stage). Stage lengths are those of the national school system (高中, 中职, 高职: three years).
SCHOOL_STAGE_YEARS = {
    "06": ("senior", 1, 3), "07": ("senior", 2, 3), "08": ("senior", 3, 3),
    "09": ("secondary_vocational", 1, 3), "10": ("secondary_vocational", 2, 3), "11": ("secondary_vocational", 3, 3),
    "12": ("higher_vocational", 1, 3), "13": ("higher_vocational", 2, 3), "14": ("higher_vocational", 3, 3),
}

EMPLOYMENT_KIND = code_list("搬迁户就业方式", [
    ("local", "就地就近就业", "local employment"),
    ("migrant", "外出务工", "migrant work"),
    ("public_post", "公益性岗位", "public-welfare post"),
    ("self", "自主创业", "self-employed"),
])

SUPPORT_CATEGORY = code_list("分层分类帮扶类别", [
    ("exited", "脱贫户", "household out of poverty"),
    ("monitoring_1", "脱贫不稳定户", "unstable household out of poverty"),
    ("monitoring_2", "边缘易致贫户", "marginal household at risk"),
    ("monitoring_3", "突发严重困难户", "household in sudden severe hardship"),
])
