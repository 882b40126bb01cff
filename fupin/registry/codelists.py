"""The registry's code tables (DOMAIN_RULES.md §1). Codes printed in the national system are used where known
(贫困户属性 01/04/06 …, 民族 GB 3304, 性别 GB/T 2261); elsewhere the codes are this project's, stable, and the
Chinese label of the national form is always accepted in their place."""

from fupin.core.codelists import code_list

ID_STANDARD = code_list("识别标准", [
    ("1", "国家标准", "national standard"),
    ("2", "省定标准", "provincial standard"),
    ("3", "市定标准", "prefectural standard"),
])

HOUSEHOLD_ATTRIBUTE = code_list("贫困户属性", [
    ("01", "一般贫困户", "ordinary poor household"),
    ("04", "低保贫困户", "poor household on minimum living allowance", "低保户"),
    ("06", "特困供养贫困户", "poor household in destitute-person support", "五保户", "五保贫困户"),
    ("07", "低保特困供养贫困户", "poor household on allowance and destitute support"),
    ("05", "一般脱贫户", "ordinary household out of poverty"),
    ("02", "低保脱贫户", "allowance household out of poverty"),
    ("03", "特困供养脱贫户", "destitute-support household out of poverty"),
    ("08", "低保特困供养户", "household on allowance and destitute support"),
])
# Attributes a household has while poor, and the attribute it takes on exit (DOMAIN_RULES §1.1, S32-c).
POOR_ATTRIBUTES = {"01", "04", "06", "07"}
ATTRIBUTE_AFTER_EXIT = {"01": "05", "04": "02", "06": "03", "07": "08"}

CAUSE = code_list("致贫原因", [
    ("01", "因病", "illness"),
    ("02", "因残", "disability"),
    ("03", "因学", "schooling costs"),
    ("04", "因灾", "disaster"),
    ("05", "缺土地", "lack of land"),
    ("06", "缺水", "lack of water"),
    ("07", "缺技术", "lack of skills"),
    ("08", "缺劳力", "lack of labour", "缺劳动力"),
    ("09", "缺资金", "lack of capital"),
    ("10", "交通条件落后", "poor transport"),
    ("11", "自身发展动力不足", "lack of motivation"),
    ("12", "其他", "other"),
    ("13", "因婚", "marriage costs"),
    ("14", "因丧", "funeral costs"),
])
# 因婚 and 因丧 are extras some provinces use; a province can switch them off (rule "cause_extras").
EXTRA_CAUSES = {"13", "14"}

STATUS = code_list("脱贫标志", [
    ("0", "未脱贫", "not out of poverty", "贫困户"),
    ("1", "已脱贫(享受政策)", "out of poverty (still supported)", "已脱贫", "脱贫"),
    ("4", "已脱贫(不再享受政策)", "out of poverty (support ended)"),
    ("3", "返贫", "returned to poverty"),
    ("5", "新识别", "newly identified"),
    ("6", "预脱贫", "expected to exit"),
    ("8", "一般农户", "ordinary rural household (never registered poor)", "非贫困户"),
    ("9", "注销", "removed from the register", "删除"),
])
STATUS_CHOICES = STATUS.choices  # named for the API schema (one enum for every status field)
ORDINARY = "8"  # a monitoring object (2021+) that was never a registered poor household
POOR_STATUSES = {"0", "3", "5", "6"}  # counted as poor at year end (预脱贫 is still poor until the exit is approved)
EXITED_STATUSES = {"1", "4"}

MONITORING_CATEGORY = code_list("监测对象类别", [
    ("1", "脱贫不稳定户", "unstable household out of poverty"),
    ("2", "边缘易致贫户", "marginal household at risk"),
    ("3", "突发严重困难户", "household in sudden severe hardship"),
])

RISK_STATUS = code_list("风险状态", [
    ("1", "未消除风险", "risk not eliminated"),
    ("2", "已消除风险", "risk eliminated"),
])

SEX = code_list("性别", [("1", "男", "male"), ("2", "女", "female"), ("9", "未说明", "not stated")])

RELATION = code_list("与户主关系", [
    ("01", "户主", "head of household", "本人", "户主(本人)"),
    ("02", "配偶", "spouse"),
    ("03", "之子", "son"),
    ("04", "之女", "daughter"),
    ("05", "之儿媳", "daughter-in-law"),
    ("06", "之女婿", "son-in-law"),
    ("07", "之孙子", "grandson"),
    ("08", "之孙女", "granddaughter"),
    ("09", "之外孙子", "daughter's son"),
    ("10", "之外孙女", "daughter's daughter"),
    ("11", "之父", "father"),
    ("12", "之母", "mother"),
    ("13", "之岳父", "father-in-law (wife's father)"),
    ("14", "之岳母", "mother-in-law (wife's mother)"),
    ("15", "之公公", "father-in-law (husband's father)"),
    ("16", "之婆婆", "mother-in-law (husband's mother)"),
    ("17", "之祖父", "grandfather"),
    ("18", "之祖母", "grandmother"),
    ("19", "之外祖父", "maternal grandfather"),
    ("20", "之外祖母", "maternal grandmother"),
    ("21", "之曾孙子", "great-grandson"),
    ("22", "之曾孙女", "great-granddaughter"),
    ("23", "之兄弟姐妹", "sibling", "兄弟姐妹"),
    ("99", "其他", "other"),
])
HEAD = "01"
SPOUSE = "02"
# Relations that imply the member's sex (consistency rule relation–sex, DOMAIN_RULES §5.3 / §7.3).
MALE_RELATIONS = {"03", "06", "07", "09", "11", "13", "15", "17", "19", "21"}
FEMALE_RELATIONS = {"04", "05", "08", "10", "12", "14", "16", "18", "20", "22"}
# Relations that imply being older than the head (parents' and grandparents' generation).
ELDER_RELATIONS = {"11", "12", "13", "14", "15", "16", "17", "18", "19", "20"}

EDUCATION = code_list("文化程度", [
    ("1", "文盲或半文盲", "illiterate or semi-literate"),
    ("2", "小学", "primary school"),
    ("3", "初中", "junior secondary"),
    ("4", "高中", "senior secondary"),
    ("5", "中专", "secondary vocational"),
    ("6", "大专", "junior college", "大专及以上"),
    ("7", "本科及以上", "bachelor or above"),
    ("8", "学龄前儿童", "pre-school child"),
])

SCHOOL_STATUS = code_list("在校生状况", [
    ("00", "非在校生", "not in school"),
    ("01", "学前教育", "pre-school education"),
    ("02", "小学", "primary school"),
    ("03", "七年级", "grade 7"), ("04", "八年级", "grade 8"), ("05", "九年级", "grade 9"),
    ("06", "高中一年级", "senior year 1"), ("07", "高中二年级", "senior year 2"), ("08", "高中三年级", "senior year 3"),
    ("09", "中职一年级", "secondary vocational year 1"), ("10", "中职二年级", "secondary vocational year 2"),
    ("11", "中职三年级", "secondary vocational year 3"),
    ("12", "高职一年级", "higher vocational year 1"), ("13", "高职二年级", "higher vocational year 2"),
    ("14", "高职三年级", "higher vocational year 3"),
    ("15", "大专及以上", "college or above", "大专"),
    ("16", "本科", "undergraduate"),
    ("17", "硕士生及以上", "postgraduate"),
    ("18", "学龄前儿童", "pre-school age child"),
])
SENIOR_SCHOOL_OR_ABOVE = {"06", "07", "08", "09", "10", "11", "12", "13", "14", "15", "16", "17"}
PRIMARY_OR_BELOW = {"01", "02", "18"}

HEALTH = code_list("健康状况", [
    ("1", "健康", "healthy"),
    ("2", "长期慢性病", "chronic illness"),
    ("3", "患有大病", "serious illness"),
    ("4", "残疾", "disabled"),
])

LABOUR = code_list("劳动能力", [
    ("1", "普通劳动力", "ordinary labour"),
    ("2", "技能劳动力", "skilled labour"),
    ("3", "弱劳动力或半劳动力", "weak or partial labour"),
    ("4", "丧失劳动力", "lost labour capacity"),
    ("5", "无劳动力", "no labour capacity"),
])
NO_LABOUR = {"4", "5"}

WORK_LOCATION = code_list("务工状况", [
    ("1", "乡(镇)内务工", "works within the township"),
    ("2", "乡(镇)外县内务工", "works in the county"),
    ("3", "县外省内务工", "works in the province"),
    ("4", "省外务工", "works outside the province"),
    ("9", "其他", "other"),
])

HOUSING_GRADE = code_list("危房级别", [
    ("A", "A级", "grade A (safe)"), ("B", "B级", "grade B (safe)"),
    ("C", "C级", "grade C (dangerous)", "C级危房"), ("D", "D级", "grade D (dangerous)", "D级危房"),
])

ROAD_TYPE = code_list("入户路类型", [
    ("1", "泥土路", "dirt road"), ("2", "砂石路", "gravel road"),
    ("3", "水泥路", "concrete road"), ("4", "沥青路", "asphalt road"),
])

FUEL = code_list("主要燃料类型", [
    ("1", "柴草", "firewood and straw"), ("2", "煤炭", "coal"), ("3", "罐装液化石油气", "bottled LPG"),
    ("4", "管道液化石油气/煤气/天然气", "piped gas"), ("5", "电", "electricity"), ("6", "燃料用油", "fuel oil"),
    ("7", "沼气", "biogas"), ("8", "其他", "other"), ("9", "无炊用行为", "no cooking"),
])

ID_KIND = code_list("证件类型", [
    ("1", "居民身份证", "citizen ID"),
    ("2", "残疾人证", "disability certificate"),
])

MEMBER_EVENT = code_list("成员变动", [
    ("birth", "出生", "birth"),
    ("marriage_in", "婚入", "married in"),
    ("marriage_out", "婚出", "married out"),
    ("death", "死亡", "death"),
    ("move_in", "迁入", "moved in"),
    ("move_out", "迁出", "moved out"),
    ("split", "分户", "household split"),
    ("merge", "并户", "household merge"),
    ("other_in", "其他加入", "joined (other)"),
    ("other_out", "其他减少", "left (other)"),
])
JOIN_EVENTS = {"birth", "marriage_in", "move_in", "split", "merge", "other_in"}
LEAVE_EVENTS = {"marriage_out", "death", "move_out", "split", "merge", "other_out"}
