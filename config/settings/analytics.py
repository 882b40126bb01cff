"""Where statistics snapshots live and how the Spark engine runs."""

import json
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from config.env import BASE_DIR, env_bool, env_str


def _env_json_object(name: str) -> dict:
    value = json.loads(env_str(name, "{}") or "{}")
    if not isinstance(value, dict):
        raise ImproperlyConfigured(f"{name} must be a JSON object of Spark properties.")
    return value


# Parquet snapshots (live partitions and frozen year-end ledgers); a fast local disk is best.
ANALYTICS_DIR = Path(env_str("FUPIN_ANALYTICS_DIR", str(BASE_DIR / "var" / "analytics")))
# "local[*]" runs Spark in this process's JVM; a cluster URL (spark://…, yarn) scales out (docs/spark.md).
ANALYTICS_SPARK_MASTER = env_str("FUPIN_SPARK_MASTER", "local[2]")
# Where Spark's executors read ANALYTICS_DIR: a URL naming the same files from every node — a shared mount
# (file:///mnt/fupin-analytics) or an object store the folder is a mount of (s3a://bucket/analytics). Empty: the
# folder's absolute path, which a cluster reads only when the folder is mounted at that path on every node.
ANALYTICS_SNAPSHOT_URL = env_str("FUPIN_ANALYTICS_SNAPSHOT_URL", "")
# More Spark properties for the session, a JSON object: {"spark.executor.memory": "4g", "spark.driver.host": "…"}.
ANALYTICS_SPARK_CONF = _env_json_object("FUPIN_SPARK_CONF")
# The engine the statistics refresh computes its rollups on (duckdb, or spark for a cluster).
ANALYTICS_REFRESH_ENGINE = env_str("FUPIN_ANALYTICS_REFRESH_ENGINE", "duckdb")
# Queue a statistics refresh after imports and procedure decisions (tests switch it on where they check it).
ANALYTICS_AUTO_REFRESH = env_bool("FUPIN_ANALYTICS_AUTO_REFRESH", True)
# Threads that fill snapshot partitions in parallel (each with its own database connection).
ANALYTICS_FILL_WORKERS = int(env_str("FUPIN_ANALYTICS_FILL_WORKERS", "2"))
# A replaced partition file stays this long before it is deleted: a read in another process may have listed it
# and not opened it yet (fupin.analytics.extract._retire).
ANALYTICS_RETIRED_FILE_SECONDS = int(env_str("FUPIN_ANALYTICS_RETIRED_FILE_SECONDS", "600"))
