"""The code lists of the low-income register: its categories (the layered 低收入人口 of 民政部 and nine departments,
2023, with the 防止返贫致贫对象 of the 2026 No. 1 Document), publication rules and reasons a membership ends."""

from fupin.core.codelists import code_list

CATEGORY = code_list("低收入人口类别", [
    ("dibao", "低保", "minimum living allowance (dibao)", "最低生活保障", "低保对象"),
    ("tekun", "特困", "destitute-person support (tekun)", "特困人员", "特困供养"),
    ("monitoring", "防止返贫致贫对象", "monitoring object (against return to poverty)", "监测对象", "防返贫监测对象"),
    ("edge", "低保边缘", "on the margin of dibao", "低保边缘家庭"),
    ("rigid", "刚性支出困难", "hardship from rigid spending", "刚性支出困难家庭"),
    ("other", "其他困难人员", "other people in difficulty", "其他"),
])
CATEGORY_CHOICES = CATEGORY.choices  # named for the API schema (one enum for the category fields)
# Categories the yearly re-evaluation tests by income, property and spending; 特困 (no labour capacity, no
# income, no one bound to support) and 其他 are decided by their departments' procedures alone.
TESTED = ("dibao", "edge", "rigid", "monitoring")

# "谁救助谁公示、救助谁公示谁": the department that aids publishes whom it aids; minors' and privacy cases are not.
PUBLICATION = code_list("公示规则", [
    ("by_aiding", "谁救助谁公示", "published by the aiding department"),
    ("not_published", "不公示（涉及隐私或未成年人）", "not published (privacy or minors)", "不公示"),
])

END_REASON = code_list("退出原因", [
    ("income", "收入超过标准", "income above the standard", "收入超标"),
    ("property", "财产核对不符", "property test not passed"),
    ("risk_eliminated", "风险消除", "risk eliminated"),
    ("deceased", "死亡", "deceased"),
    ("moved", "迁出", "moved away"),
    ("reevaluation", "年度复核退出", "left at the yearly re-evaluation", "复核退出"),
    ("other", "其他", "other"),
])
