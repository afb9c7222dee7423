"""ptcpt's exception hierarchy.

Every error ptcpt raises on purpose is a :class:`PtcptError`, so callers can catch
one type. Messages name the place (a field path, a file and row) and the fix, and never
echo free text the caller did not ask to see back.
"""

from __future__ import annotations

__all__ = [
    "DataError",
    "InvalidVisit",
    "MissingExtra",
    "PluginError",
    "PluginWarning",
    "PtcptError",
    "UnknownCode",
]


class PtcptError(Exception):
    """Base class for every error ptcpt raises on purpose."""


class UnknownCode(PtcptError, KeyError):
    """A well-formed code that the catalog does not hold.

    It is also a ``KeyError`` so ``catalog[code]`` behaves like a mapping lookup.
    ``suggestions`` holds close codes the catalog does know, best first.
    """

    def __init__(self, code: str, suggestions: tuple[str, ...] = ()) -> None:
        self.code = code
        self.suggestions = suggestions
        super().__init__(code)

    def __str__(self) -> str:
        message = f"{self.code} is not in the ptcpt catalog"
        if self.suggestions:
            message += f"; did you mean {', '.join(self.suggestions)}?"
        return message


class DataError(PtcptError, ValueError):
    """A bundled or user-supplied data file is malformed.

    The message names the file, the row and the field so the file can be fixed.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        row: int | str | None = None,
        field: str | None = None,
    ) -> None:
        self.file = file
        self.row = row
        self.field = field
        where = ":".join(str(part) for part in (file, row) if part is not None)
        if field is not None:
            where = f"{where} {field}" if where else field
        super().__init__(f"{where}: {message}" if where else message)


class InvalidVisit(PtcptError, ValueError):
    """A visit is structurally wrong: a field has the wrong type, shape or range.

    ``path`` is the field path such as ``lines[1].minutes``. Semantic problems (an
    unknown code, a bad pairing) are findings of the rule engine, never this error.
    """

    def __init__(self, path: str, message: str) -> None:
        self.path = path
        self.reason = message
        super().__init__(f"{path}: {message}" if path else message)


class PluginError(PtcptError):
    """A plugin could not be loaded or registered (bad hook, duplicate rule id, ...)."""


class MissingExtra(PtcptError, ImportError):
    """An optional feature needs a package that is not installed.

    ``extra`` names the ptcpt extra that brings it in, so the message can give the one
    command that fixes it (``python -m pip install 'ptcpt[x12]'``).
    """

    def __init__(self, feature: str, extra: str, package: str) -> None:
        self.feature = feature
        self.extra = extra
        super().__init__(
            f"{feature} needs the {package} package: python -m pip install 'ptcpt[{extra}]'",
            name=package,
        )


class PluginWarning(UserWarning):
    """A plugin setting that does not do what it says (an unknown name in the environment).

    A warning, not an error: one environment is often shared by machines with different
    plugins installed, so a name that is unknown here may be right elsewhere.
    """
