"""User-facing errors: one line saying what went wrong, the id to check and the command that helps."""

from __future__ import annotations


class GpuForgeError(Exception):
    """An error a user can meet. ``str()`` is the whole message: no traceback is ever shown for it.

    ``hint`` is the command or step that helps (``pulumi destroy`` again, ``gpuforge doctor``); it is appended
    to the message after " — ".
    """

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        self.message = message
        self.hint = hint
        super().__init__(self.__str__())

    def __str__(self) -> str:
        return f"{self.message} — {self.hint}" if self.hint else self.message


class ConfigError(GpuForgeError):
    """A stack-config value that is not allowed: names the key, the value and what is allowed."""

    def __init__(self, key: str, value: object, allowed: str) -> None:
        self.key = key
        self.value = value
        self.allowed = allowed
        super().__init__(f"gpuforge:{key} = {value!r} is not valid: {allowed}")
