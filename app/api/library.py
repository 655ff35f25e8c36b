"""``/api/v1/library``: the company's knowledge library over HTTP (upload, list, delete, job status).

The trainer console's 资料库 page polls the list endpoint for status and progress; other tools
(an LMS, a script) can manage the same library: ``PUT /documents/{name}`` with the file's bytes
uploads or replaces one document. Uploads are indexed by a background job shared
by all workers; a document's ``status`` goes queued → indexing → ready (or failed, with an
``error`` naming the file, while the previous index stays in use).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Path, Request, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from app.api.openapi_docs import error_doc
from app.db.library_store import DocumentRow
from app.deps import ServicesDep, TrainerUser
from app.library.files import NAME_MAX, LibraryNameError

router = APIRouter(prefix="/api/v1/library", tags=["library"], responses={403: error_doc("Trainer access required")})

Status = Literal["queued", "indexing", "ready", "failed"]
Name = Annotated[str, Path(max_length=NAME_MAX, description="The document's file name, e.g. `价格异议.pdf`.")]


class LibraryDocumentOut(BaseModel):
    """One document of the library and where its indexing stands."""

    name: str = Field(description="File name; the coach cites it as `library/<name>`.")
    sha256: str
    size: int = Field(description="Bytes.")
    status: Status
    progress: int = Field(ge=0, le=100, description="Indexing progress, percent.")
    error: str | None = Field(default=None, description="Why indexing failed, naming the file (status failed).")
    uploaded_at: datetime


class LibraryOut(BaseModel):
    """The library and the shared index build."""

    documents: list[LibraryDocumentOut]
    building: bool = Field(description="True while a change waits for, or is in, a build.")
    version: int = Field(description="Index version; moves with every finished build.")


def document_out(row: DocumentRow) -> LibraryDocumentOut:
    """The API view of a stored document."""
    status: Status = row.status if row.status in ("queued", "indexing", "ready", "failed") else "failed"  # type: ignore[assignment]
    return LibraryDocumentOut(name=row.name, sha256=row.sha256, size=row.size, status=status,
                              progress=row.progress, error=row.error, uploaded_at=row.uploaded_at)


def library_view(services: ServicesDep) -> LibraryOut:
    """The list, after starting a build if a change waits (e.g. its builder's process died)."""
    library = services.library
    library.kick()
    state = library.state()
    return LibraryOut(documents=[document_out(r) for r in library.documents()],
                      building=state.built < state.requested, version=state.version)


@router.get("/documents", response_model=LibraryOut)
def list_documents(services: ServicesDep, trainer: TrainerUser) -> LibraryOut:
    """Every document with its status and progress (poll this while a build runs)."""
    return library_view(services)


_RAW_BODY = {
    "requestBody": {
        "required": True,
        "description": "The file's bytes: .pdf .docx .html .md .txt (UTF-8, GBK/GB18030, Big5).",
        "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
    }
}


@router.put("/documents/{name}", response_model=LibraryDocumentOut, status_code=202, openapi_extra=_RAW_BODY,
            responses={422: error_doc("Unusable name, unsupported type or empty file; the file is named")})
async def put_document(name: Name, request: Request, services: ServicesDep, trainer: TrainerUser) -> LibraryDocumentOut:
    """Upload a document under ``name``; an existing document of that name is replaced.

    The answer comes at once (202, status queued); indexing runs in the background, shared by
    all workers: poll `GET /documents/{name}` or `GET /documents`. A file that cannot be read
    ends as status failed with an error naming it, and the previous index stays in use.
    """
    data = await request.body()
    try:
        row = await run_in_threadpool(services.library.add, name, data, trainer.id)
    except LibraryNameError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from exc
    await run_in_threadpool(services.library.kick)
    return document_out(row)


@router.get("/documents/{name}", response_model=LibraryDocumentOut,
            responses={404: error_doc("No document of that name")})
def get_document(name: Name, services: ServicesDep, trainer: TrainerUser) -> LibraryDocumentOut:
    """One document's indexing status (the job's progress)."""
    row = services.library.get(name)
    if row is None:
        raise HTTPException(status_code=404, detail=f"{name}: no such document in the library (资料库中没有该文件)")
    return document_out(row)


@router.delete("/documents/{name}", status_code=204, responses={404: error_doc("No document of that name")})
def delete_document(name: Name, services: ServicesDep, trainer: TrainerUser) -> Response:
    """Remove a document; the next build (started now) drops its passages from the index."""
    if services.library.remove(name) is None:
        raise HTTPException(status_code=404, detail=f"{name}: no such document in the library (资料库中没有该文件)")
    services.library.kick()
    return Response(status_code=204)
