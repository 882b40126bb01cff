"""The request id of the work in progress, so audit events written deep in services can name the request."""

import contextvars
import uuid

_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("fupin_request_id", default=None)


def current_request_id() -> str:
    """The id of the current web request or CLI invocation; one is made if none was set."""
    value = _request_id.get()
    if value is None:
        value = uuid.uuid4().hex
        _request_id.set(value)
    return value


def set_request_id(value: str | None) -> contextvars.Token:
    return _request_id.set(value)


def reset_request_id(token: contextvars.Token) -> None:
    _request_id.reset(token)
