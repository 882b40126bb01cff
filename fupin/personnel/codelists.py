"""Code tables of the helping personnel: who dispatched a team, roles in it, leaders' levels, training kinds and
appraisal subjects. Appraisal indicators and grade thresholds are data on each scheme, not code tables."""

from fupin.core.codelists import code_list

DISPATCH_LEVEL = code_list("选派层级", [
    ("central", "中央", "central", "中央单位", "中央选派"),
    ("province", "省", "province", "省级", "省直", "省派"),
    ("prefecture", "市", "prefecture", "市级", "市直", "市派"),
    ("county", "县", "county", "县级", "县直", "县派"),
    ("township", "乡", "township", "乡级", "乡镇", "乡派"),
])
# The levels the seed's "≥ 60 % of first secretaries in poor counties dispatched by province or city" counts.
PROVINCE_OR_PREFECTURE = {"province", "prefecture"}

TEAM_ROLE = code_list("驻村职务", [
    ("captain", "队长", "captain", "工作队队长"),
    ("member", "队员", "member", "工作队队员"),
    ("first_secretary", "第一书记", "first secretary", "驻村第一书记"),
])
# Roles one person at a time holds in a team (a village has one captain and one first secretary).
SINGLE_HOLDER_ROLES = {"captain", "first_secretary"}

LEADER_LEVEL = code_list("联系领导层级", [
    ("province", "省级", "provincial leader", "省级领导"),
    ("prefecture", "市级", "prefectural leader", "市级领导"),
    ("county", "县级", "county leader", "县级领导"),
    ("township", "乡级", "township leader", "乡级领导", "乡镇领导"),
])

TRAINING_KIND = code_list("培训类别", [
    ("vocational", "职业技能", "vocational skills", "职业技能培训"),
    ("leaders", "致富带头人", "leaders of getting rich", "致富带头人培训"),
    ("cadre", "干部", "cadre training", "干部培训"),
    ("practical", "实用技术", "practical techniques", "实用技术培训"),
])

SUBJECT_KIND = code_list("考核对象", [
    ("team", "驻村工作队", "work team", "工作队"),
    ("unit", "帮扶单位", "helping unit", "单位"),
    ("cadre", "干部", "cadre", "驻村干部"),
])

# A scheme that names no grades gets these (the usual four grades of 考核).
DEFAULT_GRADES = [
    {"code": "excellent", "zh": "优秀", "en": "excellent", "min": 90},
    {"code": "good", "zh": "良好", "en": "good", "min": 80},
    {"code": "pass", "zh": "合格", "en": "pass", "min": 60},
    {"code": "fail", "zh": "不合格", "en": "fail", "min": 0},
]
