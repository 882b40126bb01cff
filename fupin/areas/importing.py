"""Column specifications of the area tables users import (designations, per-year population)."""

from fupin.core.files.tabular import Column

DESIGNATION_COLUMNS = [
    Column("code", ("行政区划代码", "區劃代碼", "行政區劃代碼", "区划代码", "code", "area_code", "division code")),
    Column("type", ("类型", "類型", "designation", "type", "designation type")),
    Column("year", ("年度", "认定年度", "year")),
    Column("exit_year", ("退出年度", "exit year", "exit_year"), required=False),
]

POPULATION_COLUMNS = [
    Column("code", ("行政区划代码", "行政區劃代碼", "区划代码", "code", "area_code", "division code")),
    Column("year", ("年度", "year")),
    Column("rural_population", ("乡村人口", "鄉村人口", "乡村户籍人口", "rural population", "rural_population")),
    Column("households", ("户数", "戶數", "households"), required=False),
    Column("collective_income", ("村集体经济收入", "村集體經濟收入", "collective income", "collective_income"),
           required=False),
    Column("rural_income", ("农村居民人均可支配收入", "農村居民人均可支配收入", "rural disposable income per head",
                            "rural_income"), required=False),
]

ETHNIC_POPULATION_COLUMNS = [
    POPULATION_COLUMNS[0], POPULATION_COLUMNS[1],
    Column("ethnicity", ("民族", "ethnic group", "ethnicity")),
    POPULATION_COLUMNS[2],
]
