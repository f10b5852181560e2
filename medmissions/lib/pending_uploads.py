"""Uploaded files of the two-step imports (people, lots, eDATA consultations): reading an upload
within its size limit, keeping a checked file until the person confirms the import, and the
signed token that names it.

A dry run that finds no error stores the file under ``MEDIA_ROOT/imports/`` and signs a token
with its path, its SHA-256 and whatever the import needs to know again (its organisation or team,
what the dry run promised). Confirming reads the token back, refuses a forged or expired one, and
reads the file only if it is byte for byte the one checked. Files of dry runs nobody confirmed
are deleted by the next dry run once their token has expired.
"""

from __future__ import annotations

import datetime
import hashlib
import secrets
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from django.core import signing
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from medmissions.core.errors import ValidationFailed

FOLDER = "imports"
TOKEN_MAX_AGE_SECONDS = 24 * 3600
# What the token carries for every import; an import's own fields come beside these.
_OWN_KEYS = ("path", "sha256", "name")


def max_upload_bytes() -> int:
    """The largest import file accepted (setting ``MAX_IMPORT_UPLOAD_BYTES``)."""
    return int(getattr(settings, "MAX_IMPORT_UPLOAD_BYTES", 10 * 1024 * 1024))


def file_error(message: str, code: str = "invalid_file") -> ValidationFailed:
    return ValidationFailed(message, code=code, fields={"file": message})


def read_upload(upload: IO[bytes], *, max_bytes: int) -> bytes:
    """The upload's bytes, refusing an empty file or one over ``max_bytes``."""
    upload.seek(0)
    content = upload.read(max_bytes + 1)
    upload.seek(0)
    if not content:
        raise file_error(_("The file is empty."), "empty_file")
    if len(content) > max_bytes:
        raise file_error(
            _("The file is larger than %(limit)s MB; split it into several files.")
            % {"limit": f"{max_bytes / 1_048_576:g}"},
            "file_too_large",
        )
    return content


def upload_name(upload: Any, default: str = "upload") -> str:
    return str(getattr(upload, "name", "") or default)[:200]


def fingerprint(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def _purge_stale_files() -> None:
    """Delete kept files whose token has expired (dry runs nobody confirmed)."""
    limit = timezone.now() - datetime.timedelta(seconds=TOKEN_MAX_AGE_SECONDS)
    try:
        _folders, names = default_storage.listdir(FOLDER)
        for name in names:
            path = f"{FOLDER}/{name}"
            if default_storage.get_modified_time(path) < limit:
                default_storage.delete(path)
    except (OSError, NotImplementedError):
        pass  # housekeeping only: a failure must not stop an import


def store(content: bytes, *, prefix: str, extension: str) -> str:
    """Keep a checked file until it is confirmed; its path."""
    _purge_stale_files()
    return default_storage.save(f"{FOLDER}/{prefix}{secrets.token_hex(16)}.{extension}", ContentFile(content))


def sign(*, salt: str, path: str, file_sha256: str, name: str, data: dict[str, Any]) -> str:
    """The token naming a kept file; ``data`` is what the import reads back from it (its keys
    must not be path, sha256 or name)."""
    payload = {**data, "path": path, "sha256": file_sha256, "name": name}
    return signing.dumps(payload, salt=salt, compress=True)


def keep(content: bytes, *, salt: str, prefix: str, extension: str, name: str, data: dict[str, Any]) -> str:
    """Store a checked file and return the token naming it."""
    path = store(content, prefix=prefix, extension=extension)
    return sign(salt=salt, path=path, file_sha256=fingerprint(content), name=name, data=data)


@dataclass(frozen=True)
class PendingFile:
    """What a dry run's token names: the kept file and the import's own ``data``."""

    path: str
    file_sha256: str
    file_name: str
    data: dict[str, Any]


def read_token(token: str, *, salt: str, required: tuple[str, ...] = ()) -> PendingFile:
    """The file a dry run's token names; ValidationFailed when it is forged, too old or lacks one
    of the ``required`` keys of the import's own data."""
    try:
        payload = signing.loads(token, salt=salt, max_age=TOKEN_MAX_AGE_SECONDS)
        missing = [key for key in required if key not in payload]
        if missing:
            raise KeyError(missing[0])
        return PendingFile(
            path=str(payload["path"]),
            file_sha256=str(payload["sha256"]),
            file_name=str(payload["name"]),
            data={key: value for key, value in payload.items() if key not in _OWN_KEYS},
        )
    except (signing.BadSignature, KeyError, TypeError, ValueError, AttributeError) as error:
        raise ValidationFailed(
            _("This import has expired or its link is damaged. Upload the file again."),
            code="import_token_invalid",
            fields={"token": _("Upload the file again.")},
        ) from error


def stored_content(path: str, file_sha256: str) -> bytes:
    """The kept file's bytes, if it is still there and unchanged."""
    try:
        with default_storage.open(path, "rb") as stored:
            content: bytes = stored.read()
    except (FileNotFoundError, OSError) as error:
        raise ValidationFailed(
            _("This import has already been committed or has expired. Upload the file again."),
            code="import_token_invalid",
            fields={"token": _("Upload the file again.")},
        ) from error
    if fingerprint(content) != file_sha256:
        raise ValidationFailed(
            _("The stored file was altered. Upload the file again."), code="import_token_invalid"
        )
    return content


def discard_on_commit(path: str) -> None:
    """Delete a kept file once the import that used it is committed (never if it rolls back)."""
    transaction.on_commit(lambda: default_storage.delete(path))
