"""The web side of the imports (HR units and employees, the duty roster): the multipart form, and the
preview-then-apply round trip. The preview reads the file (`chosen_file`), checks it and shows what
would change, with the file carried in hidden fields (`carried_fields`); the apply step posts those
back (`carried_file`) and checks the same bytes again before writing anything (kit.tables reads it)."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from litestar import post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body

from portal.citizen.forms import N_
from staff_admin.kit.problems import invalid
from staff_admin.kit.tables import MAX_UPLOAD_BYTES

MAX_PREVIEW_BODY_BYTES = MAX_UPLOAD_BYTES + 65536  # the file and the multipart form around it
# The apply step posts the previewed file back base64-encoded in a urlencoded form: 4/3 for base64,
# up to 3x more when every character is percent-encoded, plus the other fields.
MAX_APPLY_BODY_BYTES = 3 * 4 * (MAX_UPLOAD_BYTES // 3 + 1) + 65536


@dataclass
class Upload:
    """The multipart form of an import: the file, and what it contains where there is a choice."""

    kind: str = ""
    file: UploadFile | None = None


UploadForm = Annotated[Upload, Body(media_type=RequestEncodingType.MULTI_PART)]


def preview_post(path: str, name: str) -> post:
    """The route of an import's preview step (an UploadForm in, the preview page out)."""
    return post(path, name=name, sync_to_thread=True, request_max_body_size=MAX_PREVIEW_BODY_BYTES)


def apply_post(path: str, name: str) -> post:
    """The route of an import's apply step (the carried file in a urlencoded form in, a 303 out)."""
    return post(
        path, name=name, sync_to_thread=True, status_code=303, request_max_body_size=MAX_APPLY_BODY_BYTES
    )


def read_upload(upload: Any) -> tuple[str, bytes]:
    """(file name, at most MAX_UPLOAD_BYTES + 1 bytes) of a Litestar UploadFile, closing it."""
    if upload is None:
        return "", b""
    try:
        return upload.filename or "", upload.file.read(MAX_UPLOAD_BYTES + 1)
    finally:
        upload.file.close()


def chosen_file(upload: Any) -> tuple[str, bytes]:
    """(file name, bytes) of the uploaded file, which is closed here whatever happens; Invalid when
    no file was chosen."""
    filename, content = read_upload(upload)
    if not filename:
        raise invalid("file", N_("Choose a file to upload."))
    return filename, content


def carried_fields(filename: str, content: bytes) -> dict[str, str]:
    """The previewed file as hidden form fields, for the apply step to post back."""
    return {"filename": filename, "content": base64.b64encode(content).decode()}


def carried_file(form: Mapping[str, Any]) -> tuple[str, bytes]:
    """(file name, bytes) posted back by the apply step; no bytes when the content is not base64
    (the check that follows then refuses the file as empty or unreadable)."""
    try:
        content = base64.b64decode(str(form.get("content", "")), validate=True)
    except (binascii.Error, ValueError):  # not base64, or not even ASCII
        content = b""
    return str(form.get("filename", "")), content
