"""Code tables as data: each entry has a code, a Chinese label (the national form's wording) and an English
label, plus accepted aliases. The Traditional label is derived with OpenCC, so a code table is written once.

`choices` gives Django choices whose labels follow the active language; `lookup` accepts a code or any label
or alias in either script, which is what imports and search need.
"""

from dataclasses import dataclass, field
from functools import cache, lru_cache

from django.utils.functional import lazy
from django.utils.translation import get_language


@cache
def _converter(config: str):
    import opencc  # loading a dictionary takes milliseconds: one converter per configuration, kept

    return opencc.OpenCC(config)


@cache
def to_traditional(text: str) -> str:
    return _converter("s2tw").convert(text)


def to_simplified(text: str) -> str:
    """Simplified-script form of any text (names, labels, queries)."""
    return _converter("t2s").convert(text)


@lru_cache(maxsize=4096)
def _to_simplified_label(text: str) -> str:
    return to_simplified(text)


def localized(zh: str, en: str, language: str | None = None) -> str:
    """A text kept in Simplified Chinese and English, in the language in force (zh-Hant by OpenCC)."""
    language = (language or get_language() or "zh-hans").lower()
    if language.startswith("en"):
        return en
    if language in {"zh-hant", "zh-tw", "zh-hk"}:
        return to_traditional(zh)
    return zh


@dataclass(frozen=True)
class Code:
    code: str
    zh: str
    en: str
    aliases: tuple[str, ...] = ()

    def label(self, language: str | None = None) -> str:
        return localized(self.zh, self.en, language)


@dataclass
class CodeList:
    name: str
    codes: list[Code]
    _index: dict[str, str] = field(default_factory=dict, repr=False)
    _values: frozenset = field(default=frozenset(), repr=False)

    def __post_init__(self):
        self._values = frozenset(item.code for item in self.codes)  # asked for on every cleaned value: kept
        for item in self.codes:
            for key in (item.code, item.zh, item.en, *item.aliases):
                self._index[self._key(key)] = item.code
            if item.code.isdigit():
                self._index[self._key(str(int(item.code)))] = item.code  # "1" for "01", as Excel drops zeros

    @staticmethod
    def _key(text: str) -> str:
        return _to_simplified_label("".join(str(text).split())).lower().replace("（", "(").replace("）", ")")

    @property
    def choices(self) -> list[tuple[str, str]]:
        return [(item.code, lazy(item.label, str)()) for item in self.codes]

    @property
    def values(self) -> frozenset[str]:
        return self._values

    @property
    def exact(self) -> dict[str, str]:
        """Code by text as written — a code, or a label as the index keeps it (simplified script, no spaces):
        most values of an import, found with one dictionary lookup and no normalising."""
        return self._index

    def lookup(self, text: str) -> str | None:
        """The code for a code, label or alias in either script; None if it matches nothing."""
        if text is None:
            return None
        # A value written as the index keeps it (a code, or a label in simplified script without spaces) is
        # found without normalising it, which is most values of an import; _key is idempotent, so this is exact.
        found = self._index.get(text)
        if found is not None or str(text).strip() == "":
            return found
        return self._index.get(self._key(text))

    def get(self, code: str) -> Code:
        return next(item for item in self.codes if item.code == code)

    def label(self, code: str, language: str | None = None) -> str:
        return self.get(code).label(language) if code else ""

    def max_length(self) -> int:
        return max(len(item.code) for item in self.codes)


def code_list(name: str, rows: list[tuple]) -> CodeList:
    return CodeList(name, [Code(row[0], row[1], row[2], tuple(row[3:])) for row in rows])


# 民族 (GB/T 3304): a national standard table, used by the registry and by areas' ethnic populations.
ETHNICITY = code_list("民族", [
    ("01", "汉族", "Han"), ("02", "蒙古族", "Mongol"), ("03", "回族", "Hui"), ("04", "藏族", "Tibetan"),
    ("05", "维吾尔族", "Uyghur"), ("06", "苗族", "Miao"), ("07", "彝族", "Yi"), ("08", "壮族", "Zhuang"),
    ("09", "布依族", "Bouyei"), ("10", "朝鲜族", "Korean"), ("11", "满族", "Manchu"), ("12", "侗族", "Dong"),
    ("13", "瑶族", "Yao"), ("14", "白族", "Bai"), ("15", "土家族", "Tujia"), ("16", "哈尼族", "Hani"),
    ("17", "哈萨克族", "Kazakh"), ("18", "傣族", "Dai"), ("19", "黎族", "Li"), ("20", "傈僳族", "Lisu"),
    ("21", "佤族", "Va"), ("22", "畲族", "She"), ("23", "高山族", "Gaoshan"), ("24", "拉祜族", "Lahu"),
    ("25", "水族", "Shui"), ("26", "东乡族", "Dongxiang"), ("27", "纳西族", "Naxi"), ("28", "景颇族", "Jingpo"),
    ("29", "柯尔克孜族", "Kyrgyz"), ("30", "土族", "Tu"), ("31", "达斡尔族", "Daur"), ("32", "仫佬族", "Mulao"),
    ("33", "羌族", "Qiang"), ("34", "布朗族", "Blang"), ("35", "撒拉族", "Salar"), ("36", "毛南族", "Maonan"),
    ("37", "仡佬族", "Gelao"), ("38", "锡伯族", "Xibe"), ("39", "阿昌族", "Achang"), ("40", "普米族", "Pumi"),
    ("41", "塔吉克族", "Tajik"), ("42", "怒族", "Nu"), ("43", "乌孜别克族", "Uzbek"), ("44", "俄罗斯族", "Russian"),
    ("45", "鄂温克族", "Evenki"), ("46", "德昂族", "De'ang"), ("47", "保安族", "Bonan"), ("48", "裕固族", "Yugur"),
    ("49", "京族", "Gin"), ("50", "塔塔尔族", "Tatar"), ("51", "独龙族", "Derung"), ("52", "鄂伦春族", "Oroqen"),
    ("53", "赫哲族", "Hezhen"), ("54", "门巴族", "Monpa"), ("55", "珞巴族", "Lhoba"), ("56", "基诺族", "Jino"),
    ("97", "其他", "other (unrecognised)", "其他未识别民族"), ("98", "外国血统中国籍人士", "naturalised citizen"),
])
