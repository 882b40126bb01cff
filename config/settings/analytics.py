"""Where statistics snapshots live and how the Spark engine runs."""

from pathlib import Path

from config.env import BASE_DIR, env_bool, env_str

# Parquet snapshots (live partitions and frozen year-end ledgers); a fast local disk is best.
ANALYTICS_DIR = Path(env_str("FUPIN_ANALYTICS_DIR", str(BASE_DIR / "var" / "analytics")))
# "local[*]" runs Spark in this process's JVM; a cluster URL (spark://…, yarn) scales out.
ANALYTICS_SPARK_MASTER = env_str("FUPIN_SPARK_MASTER", "local[2]")
# Queue a statistics refresh after imports and procedure decisions (tests switch it on where they check it).
ANALYTICS_AUTO_REFRESH = env_bool("FUPIN_ANALYTICS_AUTO_REFRESH", True)
# Threads that fill snapshot partitions in parallel (each with its own database connection).
ANALYTICS_FILL_WORKERS = int(env_str("FUPIN_ANALYTICS_FILL_WORKERS", "2"))
# A replaced partition file stays this long before it is deleted: a read in another process may have listed it
# and not opened it yet (fupin.analytics.extract._retire).
ANALYTICS_RETIRED_FILE_SECONDS = int(env_str("FUPIN_ANALYTICS_RETIRED_FILE_SECONDS", "600"))
