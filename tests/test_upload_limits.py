"""Uploads as the README says (one limit, 50 MB, the same in the app, the web server and
the compose proxy) and bounded work when a plan file is read (index/plans/readers.py:
limits on pages, scanned pages, paragraphs, characters and a Word body's XML; the
reading in a child process with a memory and a time limit). The two hostile files of
issue 22 are made here: a 0.4 MB Word file of 1.5 million empty paragraphs and a PDF
of 2,000 blank pages; each is refused within seconds with a Vietnamese message."""
import io
import re
import time
import zipfile
from pathlib import Path

import pytest

from bot import serve
from bot.app import create_app
from core import settings
from index import publish
from index.plans import readers

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "admin-test-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def word_file(paragraphs: int) -> bytes:
    """A minimal .docx whose body has `paragraphs` empty paragraphs."""
    body = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
            + "<w:p/>" * paragraphs + "</w:body></w:document>")
    types = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
             'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
             'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override '
             'PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.'
             'wordprocessingml.document.main+xml"/></Types>')
    rels = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
            '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/officeDocument" Target="word/document.xml"/></Relationships>')
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", types)
        archive.writestr("_rels/.rels", rels)
        archive.writestr("word/document.xml", body)
    return buffer.getvalue()


def blank_pdf(pages: int) -> bytes:
    """A valid PDF of `pages` blank A4 pages."""
    objects = ["<< /Type /Catalog /Pages 2 0 R >>",
               "<< /Type /Pages /Kids [" + " ".join(f"{3 + i} 0 R" for i in range(pages)) + f"] /Count {pages} >>"]
    objects += ["<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"] * pages
    out, offsets = io.BytesIO(), []
    out.write(b"%PDF-1.4\n")
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n{body}\nendobj\n".encode())
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


@pytest.fixture
def client(tmp_path, published_copy):
    app = create_app({"web.admin_token": TOKEN, "web.database": str(tmp_path / "a.sqlite3")})
    return app.test_client()


def upload(client, data: bytes, name: str):
    return client.post("/admin/api/uploads", headers=AUTH, content_type="multipart/form-data",
                       data={"file": (io.BytesIO(data), name)})


def test_one_upload_limit_in_the_app_the_server_the_proxy_and_the_readme():
    megabytes = float(settings.get("web", "max_upload_mb"))
    assert megabytes == 50
    assert publish.MAX_UPLOAD_BYTES == 50 * 1024 * 1024
    assert serve.MAX_REQUEST_BYTES == publish.MAX_UPLOAD_BYTES + 1024 * 1024
    nginx = (ROOT / "deploy/compose/nginx.conf").read_text(encoding="utf-8")
    upload_block = nginx[nginx.index("location = /admin/api/uploads"):]
    assert re.search(r"client_max_body_size (\d+)m;", upload_block).group(1) == "51"
    assert "up to 50 MB" in (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name, data, limit", [
    ("paragraphs.docx", word_file(1_500_000), "paragraphs"),
    ("blank.pdf", blank_pdf(2000), "pages"),
])
def test_hostile_files_are_refused_within_seconds(client, name, data, limit, tmp_path):
    assert len(data) < 1_000_000                 # small files, much work
    started = time.monotonic()
    refused = upload(client, data, name)
    seconds = time.monotonic() - started
    assert refused.status_code == 413, refused.get_json()
    error = refused.get_json()["error"]
    assert error["code"] == "admin_plan_too_large" and "quá lớn" in error["message"]
    assert seconds < 20, seconds
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(readers.PlanTooLarge) as raised:
        readers.read_document(path, cache=False)
    assert raised.value.limit == limit
    print(f"\n{name}: {len(data) / 1024:.0f} KB refused ({limit}) in {seconds:.1f} s")


def test_paragraph_and_character_limits_inside_the_xml_limit(tmp_path):
    path = tmp_path / "many.docx"
    path.write_bytes(word_file(readers.LIMITS["paragraphs"] + 10))
    with pytest.raises(readers.PlanTooLarge) as raised:
        readers.read_document(path, cache=False)
    assert raised.value.limit == "paragraphs"


def test_the_reading_process_is_stopped_at_its_time_and_memory_limits(tmp_path, monkeypatch):
    path = tmp_path / "plan.docx"
    path.write_bytes(word_file(20))
    monkeypatch.setattr(readers, "READ_SECONDS", 0.05)
    with pytest.raises(readers.PlanTooLarge) as raised:
        readers.read_document(path, cache=False)
    assert raised.value.limit == "seconds"
    monkeypatch.setattr(readers, "READ_SECONDS", 60)
    monkeypatch.setattr(readers, "READ_MEMORY_BYTES", 30 * 1024 ** 2)     # lxml cannot even load
    with pytest.raises(readers.PlanTooLarge) as raised:
        readers.read_document(path, cache=False)
    assert raised.value.limit == "memory"
