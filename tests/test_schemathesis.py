"""schemathesis over the OpenAPI schema, in-process against the WSGI application.

Logged in (by token: no CSRF) as an editor of 泸水市 over data in two counties (tests/api_world), every operation
gets a bounded number of generated requests — valid ones and, for operations that take parameters or a body,
invalid ones — and every response must be no server error and, where the schema documents its status, match the
schema. FUPIN_SCHEMATHESIS_EXAMPLES sets the examples per operation and mode (default 4: about two minutes on two
cores).
"""

import contextlib
import os

import hypothesis
import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, Phase, given
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import response_schema_conformance

from fupin.testing.factories import make_user
from tests.api_world import HOME_COUNTY, build_world

EXAMPLES = int(os.environ.get("FUPIN_SCHEMATHESIS_EXAMPLES", "4"))


def _fuzz(operation, mode, app, headers) -> list[str]:
    """Bounded generated requests to one operation; the failures found (each described once)."""
    seen: list[str] = []

    @given(case=operation.as_strategy(generation_mode=mode))
    @hypothesis.settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                         phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    def run(case):
        response = case.call(app=app, headers=headers)
        try:
            case.validate_response(response, checks=[not_a_server_error, response_schema_conformance],
                                   headers=headers)
        except (Failure, FailureGroup, AssertionError) as error:  # collected and reported together
            seen.append(f"{operation.method.upper()} {operation.path} [{mode.value}] {response.status_code} "
                        f"{case.path_parameters or ''} {case.query or ''} {str(case.body)[:200]}: {str(error)[:500]}")

    with contextlib.suppress(hypothesis.errors.Unsatisfiable):  # no negative data without parameters or body
        run()
    return seen


def _operations(schema):
    for result in schema.get_all_operations():
        yield result.ok()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_schemathesis_finds_no_server_error_and_no_schema_violation():
    build_world()
    editor = make_user(actions=["view", "change", "import", "export", "approve"], area=HOME_COUNTY)
    token = Token.objects.create(user=editor)
    raw = SchemaGenerator().get_schema(request=None, public=True)
    schema = schemathesis.openapi.from_dict(raw)
    app = get_wsgi_application()
    headers = {"Authorization": f"Token {token.key}"}
    failures: list[str] = []
    operations = list(_operations(schema))
    assert len(operations) >= 200

    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            failures.extend(_fuzz(operation, mode, app, headers)[:1])  # one per operation and mode is enough
    assert not failures, "\n".join(failures)
