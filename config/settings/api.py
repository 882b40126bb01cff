from config.env import env_str

# The most rows one API page returns (`?limit=` above it is clamped), and the furthest `?offset=` (beyond the
# database's integer range an offset would be a server error; no table here comes near it).
FUPIN_API_MAX_PAGE_SIZE = int(env_str("FUPIN_API_MAX_PAGE_SIZE", "1000"))
FUPIN_API_MAX_OFFSET = int(env_str("FUPIN_API_MAX_OFFSET", str(10**12)))

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["fupin.core.filtersets.ListFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "fupin.core.pagination.CappedLimitOffsetPagination",
    "PAGE_SIZE": 100,
    "DEFAULT_SCHEMA_CLASS": "fupin.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "fupin.api.exceptions.exception_handler",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "fupin API",
    "DESCRIPTION": "Targeted poverty alleviation information system (精准扶贫信息系统)",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema lists every operation and field: only logged-in users read it (and the docs built on it).
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Several models share these choice sets; one name each keeps the schema's enums stable.
    "ENUM_NAME_OVERRIDES": {
        "HouseholdStatusEnum": "fupin.registry.codelists.STATUS_CHOICES",
        "JobStatusEnum": "fupin.jobs.models.JobStatus",
        "GrievanceFindingEnum": "fupin.grievances.models.Finding",  # an evaluation appeal has a `finding` too
        "AppealFindingEnum": "fupin.evaluation.models.Finding",
        "LowIncomeCategoryEnum": "fupin.lowincome.codelists.CATEGORY_CHOICES",
    },
}
