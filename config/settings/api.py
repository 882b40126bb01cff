REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 100,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "fupin.api.exceptions.exception_handler",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "fupin API",
    "DESCRIPTION": "Targeted poverty alleviation information system (精准扶贫信息系统)",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Several models share these choice sets; one name each keeps the schema's enums stable.
    "ENUM_NAME_OVERRIDES": {
        "HouseholdStatusEnum": "fupin.registry.codelists.STATUS_CHOICES",
        "JobStatusEnum": "fupin.jobs.models.JobStatus",
    },
}
