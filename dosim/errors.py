"""API errors, raised anywhere and answered with DigitalOcean's error body."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """An error answer: `{"id": error_id, "message": message}` with `status`."""

    def __init__(self, status: int, error_id: str, message: str, body: dict[str, Any] | None = None) -> None:
        super().__init__(f"{status} {error_id}: {message}")
        self.status = status
        self.error_id = error_id
        self.message = message
        self._body = body

    def body(self) -> dict[str, Any]:
        return self._body if self._body is not None else {"id": self.error_id, "message": self.message}


def not_found() -> ApiError:
    return ApiError(404, "not_found", "The resource you were accessing could not be found.")


def unprocessable(message: str) -> ApiError:
    return ApiError(422, "unprocessable_entity", message)


def bad_request(message: str) -> ApiError:
    return ApiError(400, "bad_request", message)


def tag_bad_request(message: str) -> ApiError:
    """The tags API's own 400 shape: `{"error", "messages", "root_causes"}`."""
    return ApiError(
        400, "bad_request", message, {"error": "bad_request", "messages": [message], "root_causes": [message]}
    )


def int_id(raw: object) -> int:
    """A path or body id as an int; anything else names no resource here (404)."""
    try:
        return int(str(raw))
    except (TypeError, ValueError):
        raise not_found() from None
