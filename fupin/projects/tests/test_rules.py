"""Issue 22, projects: a "document" was a title (no file), and a 公益性 asset owned by a household or a 到户类 asset
owned by a collective were accepted. Documents are now stored files whose type is judged from their content, and
asset classes follow 国办函〔2021〕51号."""

import hashlib
import io
import zipfile
from decimal import Decimal

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from fupin.areas.models import Area
from fupin.core.errors import ValidationFailed
from fupin.projects import documents, services
from fupin.projects.models import ProjectDocument
from fupin.projects.tests.test_projects import LUZHANG, PDF, make_project, pdf
from fupin.testing.clock import english
from fupin.testing.factories import load_fixture_divisions, register_poor_household, system_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(db):
    load_fixture_divisions()
    return make_project()


def make_file(project, upload, stage="apply", kind="application", **extra):
    return services.document_save(actor=system_user(), data={
        "project": project, "stage": stage, "kind": kind, "title": "申报书", "file": upload, **extra})


def _zip(parts: dict) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def test_a_title_is_no_document(project):
    # The case: a document recorded by its title alone satisfied the stage.
    with pytest.raises(ValidationFailed) as refused:
        services.document_save(actor=system_user(), data={
            "project": project, "stage": "apply", "kind": "application", "title": "申报书"})
    assert refused.value.field == "file"
    assert english(refused) == "Attach the document's file (PDF, an image or an office document)."
    # A record left from before files were stored (title only) does not satisfy the stage either.
    ProjectDocument.objects.create(project=project, stage="apply", kind="application", title="申报书")
    assert services.missing_documents(project, "apply") == ["application"]


def test_a_stored_file_satisfies_its_stage(project):
    upload = pdf("鲁掌村申报书.pdf")
    content = upload.read()
    document = make_file(project, upload)
    assert document.content_type == "application/pdf"
    assert document.sha256 == hashlib.sha256(content).hexdigest() and document.size == len(content)
    assert document.original_name == "鲁掌村申报书.pdf" and document.title == "申报书"
    assert document.file.name == f"projects/{project.pk}/{document.sha256}.pdf"
    with default_storage.open(document.file.name, "rb") as stored:
        assert stored.read() == content
    assert services.missing_documents(project, "apply") == []
    services.stage_complete(actor=system_user(), project=project, stage="apply")
    with pytest.raises(ValidationFailed):  # a filed file is never replaced
        services.document_save(actor=system_user(), instance=document, data={"file": pdf("other.pdf")})
    services.document_save(actor=system_user(), instance=document, data={"title": "鲁掌村项目申报书"})


def test_types_are_judged_by_content(project):
    with pytest.raises(ValidationFailed) as refused:  # a script renamed .pdf
        make_file(project, SimpleUploadedFile("申报书.pdf", b"#!/bin/sh\nrm -rf /\n"))
    assert english(refused).startswith("“申报书.pdf” is not a PDF, an image (JPEG, PNG, TIFF) or an office document")
    with pytest.raises(ValidationFailed) as refused:  # a real PDF named as a Word file
        make_file(project, SimpleUploadedFile("申报书.docx", PDF))
    assert english(refused) == "“申报书.docx” is named as a .docx file but its content is application/pdf."
    with pytest.raises(ValidationFailed):  # a zip that is no office document
        make_file(project, SimpleUploadedFile("申报书.docx", _zip({"evil.exe": b"MZ"})))
    with pytest.raises(ValidationFailed):
        make_file(project, SimpleUploadedFile("空.pdf", b""))
    docx = _zip({"[Content_Types].xml": "<Types/>", "word/document.xml": "<w:document/>"})
    saved = make_file(project, SimpleUploadedFile("申报书.docx", docx))
    assert saved.content_type.endswith("wordprocessingml.document")
    ods = _zip({"mimetype": "application/vnd.oasis.opendocument.spreadsheet", "content.xml": "<x/>"})
    assert make_file(project, SimpleUploadedFile("预算.ODS", ods)).content_type.endswith("opendocument.spreadsheet")
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
    assert make_file(project, SimpleUploadedFile("现场.png", png)).content_type == "image/png"
    jpeg = b"\xff\xd8\xff\xe0" + b"\x00" * 32
    assert make_file(project, SimpleUploadedFile("现场.jpeg", jpeg)).content_type == "image/jpeg"
    xls = documents.OLE2 + b"\x00" * 64 + "Workbook".encode("utf-16-le") + b"\x00" * 64
    assert make_file(project, SimpleUploadedFile("预算.xls", xls)).content_type == "application/vnd.ms-excel"
    with pytest.raises(ValidationFailed):  # an Excel container named .doc
        make_file(project, SimpleUploadedFile("预算.doc", xls))


@override_settings(FUPIN_PROJECT_DOCUMENT_MAX_BYTES=1000)
def test_the_size_limit_comes_from_a_setting(project):
    with pytest.raises(ValidationFailed) as refused:
        make_file(project, SimpleUploadedFile("大.pdf", PDF + b"0" * 1000))
    assert refused.value.field == "file" and refused.value.params["limit"] == 1000
    assert not ProjectDocument.objects.exists()
    make_file(project, SimpleUploadedFile("小.pdf", PDF))


def _asset(project, kind, owner_kind, **extra):
    return services.asset_save(actor=system_user(), data={
        "project": project, "kind": kind, "name": "资产", "value": Decimal(1000), "owner_kind": owner_kind,
        "owner_name": "所有者", "owner_area": Area.objects.get(code=LUZHANG), **extra})


def test_asset_classes_and_owners_follow_the_2021_guideline(project):
    household = register_poor_household(area=LUZHANG, size=2)
    # The cases: a 公益性 asset owned by a household, a 到户类 asset owned by the collective.
    with pytest.raises(ValidationFailed) as refused:
        _asset(project, "public", "household", owner_household=household)
    assert refused.value.field == "owner_kind"
    # (the class and owner names are given in the language of the refused request: Chinese here)
    assert english(refused) == "A 公益性 asset cannot be owned by a 农户 (国办函〔2021〕51号: 村集体、政府部门)."
    with pytest.raises(ValidationFailed):
        _asset(project, "household", "collective")
    with pytest.raises(ValidationFailed):
        _asset(project, "household", "enterprise")
    _asset(project, "public", "collective")
    _asset(project, "public", "government")
    _asset(project, "household", "household", owner_household=household)
    for owner in ("collective", "enterprise", "government"):
        _asset(project, "productive", owner)
    _asset(project, "productive", "household", owner_household=household)
