"""Code tables of poverty-alleviation funds. Fund sources and their named groups are data
(data/fund_sources.json), read once, so a province's own source or a new report grouping needs no code change."""

import json
from pathlib import Path

from fupin.core.codelists import code_list

SOURCES_FILE = Path(__file__).resolve().parent / "data" / "fund_sources.json"
_DATA = json.loads(SOURCES_FILE.read_text(encoding="utf-8"))

FUND_SOURCE = code_list("扶贫资金来源", [
    (item["code"], item["zh"], item["en"], *item["aliases"]) for item in _DATA["sources"]])
# Sources that are government budget money (财政资金), as opposed to loans, aid or donations.
FISCAL_SOURCES = frozenset(item["code"] for item in _DATA["sources"] if item["fiscal"])

FUND_GROUP = code_list("资金口径", [(item["code"], item["zh"], item["en"]) for item in _DATA["groups"]])
GROUP_SOURCES = {item["code"]: tuple(item["sources"]) for item in _DATA["groups"]}

ENTRY_KIND = code_list("资金台账类型", [
    ("allocate", "下达", "allocation", "分配", "拨付"),
    ("arrive", "到位", "arrival", "到账"),
    ("spend", "支出", "spending", "使用", "支付"),
    ("adjust", "调整", "correction", "退回", "收回", "冲减"),
])
# The kinds an entry can record directly; an adjustment counts as the kind of the entry it corrects.
PRIMARY_KINDS = ("allocate", "arrive", "spend")
