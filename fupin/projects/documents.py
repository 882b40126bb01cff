"""What a project document's file is, judged from its content: PDF, an image (JPEG, PNG, TIFF) or an office
document (Word, Excel, PowerPoint in their OLE2 or Office Open XML form, OpenDocument). The name's extension must
agree with the content, so a renamed executable or script is refused whatever it is called."""

import hashlib
import io
import zipfile
from pathlib import PurePath

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from fupin.core.errors import ValidationFailed

from . import codelists as cl

DEFAULT_MAX_BYTES = 20 * 2**20
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# The stream an OLE2 container of each program holds (names are stored in UTF-16LE in its directory).
OLE2_STREAMS = {
    "application/msword": ("WordDocument",),
    "application/vnd.ms-excel": ("Workbook", "Book"),
    "application/vnd.ms-powerpoint": ("PowerPoint Document",),
}
OOXML_PARTS = {
    "word/document.xml": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xl/workbook.xml": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ppt/presentation.xml": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}


def max_bytes() -> int:
    return int(getattr(settings, "FUPIN_PROJECT_DOCUMENT_MAX_BYTES", DEFAULT_MAX_BYTES))


def _zip_type(content: bytes) -> str | None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        names = set(archive.namelist())
        if "mimetype" in names:  # OpenDocument keeps its type, uncompressed, as the first part
            info = archive.getinfo("mimetype")
            if info.file_size <= 100:
                return archive.read("mimetype").decode("ascii", "replace").strip()
            return None
        if "[Content_Types].xml" in names:
            return next((kind for part, kind in OOXML_PARTS.items() if part in names), None)
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    return None


def sniff(content: bytes) -> str | None:
    """The document type the bytes are, or None when they are none of the allowed ones."""
    if content.startswith(b"%PDF-"):
        return "application/pdf"
    if content.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if content.startswith((b"II*\x00", b"MM\x00*")):
        return "image/tiff"
    if content.startswith(OLE2):
        for kind, streams in OLE2_STREAMS.items():
            if any(stream.encode("utf-16-le") in content for stream in streams):
                return kind
        return None
    if content.startswith(b"PK\x03\x04"):
        kind = _zip_type(content)
        return kind if kind in cl.DOCUMENT_TYPES else None
    return None


def read_checked(upload) -> dict:
    """Read an upload (a Django File or UploadedFile) and return its checked type, SHA-256, size, original name
    and content; refuse one above the size limit, of a type not allowed, or whose extension names another type."""
    original_name = PurePath(getattr(upload, "name", "") or "").name
    limit = max_bytes()
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        raise ValidationFailed(_("The file is %(size)s bytes; a project document may be at most %(limit)s bytes."),
                               field="file", size=size, limit=limit)
    digest, parts, read = hashlib.sha256(), [], 0
    if hasattr(upload, "seek"):
        upload.seek(0)
    chunks = upload.chunks() if hasattr(upload, "chunks") else iter(lambda: upload.read(2**16), b"")
    for chunk in chunks:
        read += len(chunk)
        if read > limit:
            raise ValidationFailed(_("The file is %(size)s bytes; a project document may be at most %(limit)s "
                                     "bytes."), field="file", size=f"> {limit}", limit=limit)
        digest.update(chunk)
        parts.append(chunk)
    content = b"".join(parts)
    if not content:
        raise ValidationFailed(_("The file is empty."), field="file")
    kind = sniff(content)
    if kind is None:
        raise ValidationFailed(_("“%(name)s” is not a PDF, an image (JPEG, PNG, TIFF) or an office document; only "
                                 "these can be filed."), field="file", name=original_name)
    extension = PurePath(original_name).suffix.lower()
    if kind not in cl.EXTENSIONS.get(extension, ()):
        raise ValidationFailed(_("“%(name)s” is named as a %(extension)s file but its content is %(type)s."),
                               field="file", name=original_name, extension=extension or _("(no extension)"),
                               type=kind)
    return {"content_type": kind, "sha256": digest.hexdigest(), "size": read, "original_name": original_name,
            "content": content}
