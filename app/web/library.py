"""Pages of the knowledge library: the console's 资料库 tab and the cited-passage page.

The console uploads through a plain multipart form (several files at once) and then polls
``GET /api/v1/library/documents`` (``static/library.js``) to move each row's status and bar;
the passage page is where every citation of the coach links to.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse

from app.deps import ServicesDep, TrainerUser
from app.knowledge.loaders import SUPPORTED_SUFFIXES
from app.library.files import LibraryNameError
from app.library.passages import find_chunk, passage_in_context
from app.services.container import Services
from app.web.render import render

router = APIRouter(include_in_schema=False)


def _library_page(request: Request, services: Services, rejected: list[str]) -> HTMLResponse:
    library = services.library
    library.kick()
    state = library.state()
    ctx = {
        "rows": library.documents(),
        "building": state.built < state.requested,
        "rejected": rejected,
        "builtin": services.settings.builtin_knowledge,
        "accept": ",".join(sorted(SUPPORTED_SUFFIXES)),
        "section": "library",
    }
    return render(request, "trainer/library.html", ctx)


@router.get("/trainer/library", response_class=HTMLResponse)
def library_page(request: Request, services: ServicesDep, trainer: TrainerUser) -> HTMLResponse:
    """The documents with their status; bars move while a build runs."""
    return _library_page(request, services, [])


@router.post("/trainer/library", response_model=None)
def upload(
    request: Request, services: ServicesDep, trainer: TrainerUser,
    files: Annotated[list[UploadFile], File()],
) -> HTMLResponse | RedirectResponse:
    """Queue the chosen files and start the build; refused files are named on the page."""
    rejected: list[str] = []
    for item in files:
        try:
            services.library.add(item.filename or "", item.file.read(), trainer.id)
        except LibraryNameError as exc:
            rejected.append(str(exc))
    if rejected:
        return _library_page(request, services, rejected)
    services.library.kick()
    return RedirectResponse("/trainer/library", status_code=303)


@router.post("/trainer/library/{name}/delete")
def delete(name: str, services: ServicesDep, trainer: TrainerUser) -> RedirectResponse:
    """Remove the document; its passages leave the index with the build started now."""
    services.library.remove(name)
    services.library.kick()
    return RedirectResponse("/trainer/library", status_code=303)


def _passage_page(request: Request, services: Services, chunk_id: str | None, source: str | None,
                  text: str | None) -> HTMLResponse:
    chunk = find_chunk(services.library.retriever.chunks(), chunk_id=chunk_id, source=source, text=text)
    passage = passage_in_context(services.settings, chunk) if chunk is not None else None
    return render(request, "passage.html", {"p": passage}, status=200 if passage is not None else 404)


@router.get("/knowledge/passage", response_class=HTMLResponse)
def passage_by_citation(
    request: Request, services: ServicesDep,
    source: Annotated[str, Query(max_length=500)], text: Annotated[str, Query(max_length=500)] = "",
) -> HTMLResponse:
    """Where a citation links: its source and the start of its text find the passage."""
    return _passage_page(request, services, None, source, text)


@router.get("/knowledge/passages/{chunk_id:path}", response_class=HTMLResponse)
def passage_by_id(request: Request, chunk_id: str, services: ServicesDep) -> HTMLResponse:
    """A passage by its index id (``source#n``), highlighted in its document."""
    return _passage_page(request, services, chunk_id, None, None)
