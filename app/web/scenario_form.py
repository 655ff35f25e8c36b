"""The form-based scenario editor: every schema field as a labelled input, for trainers who do not write YAML.

The form is a view of the same dict the YAML editor parses: ``?from=ID`` and ``?edit=ID`` load a
scenario's YAML into it, and a submit turns the fields back into that dict, validates it with the
same :class:`~app.scenarios.schema.Scenario` and saves its YAML through :func:`authoring.save`, so
both editors store the same thing and YAML stays the import and export format. Errors are
translated (``app/scenarios/errors.py``) to name the state and field, in the page's language.
Repeated groups (states, motives, rules) grow with server-side "add" buttons and shrink with a
"remove" box, so the page needs no script.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

import yaml
from fastapi import APIRouter, Form, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from app.deps import LangDep, ServicesDep, TrainerUser
from app.domain import CRITERIA, MOVES
from app.scenarios.draft import draft
from app.scenarios.errors import explain
from app.scenarios.loader import SAFE_LOADER, ScenarioError
from app.scenarios.schema import Scenario
from app.services import authoring
from app.web.i18n import translate
from app.web.render import render

router = APIRouter(prefix="/trainer/scenarios", include_in_schema=False)

TRANSITION_KEYS: tuple[str, ...] = (*MOVES, "default")
BANDS = (1, 2, 3, 4, 5)
#: Repeated groups: form prefix -> the blank entry an "add" button appends.
GROUPS: dict[str, dict[str, Any]] = {
    "motives": {"id": "", "weight": 1, "description": {"zh": ""}, "reveal": [], "remedy": {"zh": ""}},
    "states": {"id": "", "lines": []},
    "musts": {"move": "", "criterion": "", "text": {"zh": ""}},
    "must_nots": {"move": "", "criterion": "", "text": {"zh": ""}},
}
#: A new scenario from scratch: three states (talk, agree, leave) so the shape is visible.
BLANK: dict[str, Any] = {
    "id": "", "title": {"zh": ""}, "difficulty": 2, "practises": {"zh": ""},
    "persona": {"name": "", "company": "", "role": "", "background": {"zh": ""}, "motives": [GROUPS["motives"]]},
    "openings": [], "initial_state": "opening", "turn_limit": 8, "turn_limit_lines": [],
    "states": [{"id": "opening", "lines": [], "transitions": {"default": "opening"}},
               {"id": "agreed", "lines": [], "ending": "next_meeting"},
               {"id": "walkaway", "lines": [], "ending": "walkaway"}],
    "rubric": {"weights": dict.fromkeys(CRITERIA, 1)}, "exemplars": {b: [] for b in BANDS}, "cite": [],
}  # fmt: skip


def _lines(text: str) -> list[str]:
    return [ln.strip() for ln in text.splitlines() if ln.strip()]


def _number(text: str) -> int | float | str:
    """A number when it reads as one; otherwise the text, so the schema names the field."""
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            continue
    return text


def _localized(form: FormData, name: str) -> dict[str, str]:
    out = {"zh": str(form.get(f"{name}.zh") or "").strip()}
    en = str(form.get(f"{name}.en") or "").strip()
    return {**out, "en": en} if en else out


def _indices(form: FormData, prefix: str) -> list[int]:
    """Indices of a repeated group present in the form, in order, less those marked for removal."""
    found = {int(m.group(1)) for k in form if (m := re.fullmatch(rf"{prefix}\.(\d+)\.[a-z_.]+", k))}
    return [i for i in sorted(found) if not form.get(f"{prefix}.{i}.remove")]


def _blank(entry: dict[str, Any]) -> bool:
    """True for a group nobody filled in (a spare "add" row): it is left out rather than reported."""

    def filled(v: Any) -> bool:
        return any(filled(x) for x in v.values()) if isinstance(v, dict) else bool(v)

    return not any(filled(v) for k, v in entry.items() if k not in ("ending", "weight"))


def _rules(form: FormData, prefix: str) -> list[dict[str, Any]]:
    rules = [
        {"move": str(form.get(f"{prefix}.{i}.move") or ""), "criterion": str(form.get(f"{prefix}.{i}.criterion") or ""),
         "text": _localized(form, f"{prefix}.{i}.text")}
        for i in _indices(form, prefix)
    ]  # fmt: skip
    return [r for r in rules if not _blank(r)]


def from_form(form: FormData) -> dict[str, Any]:
    """The scenario dict (as the YAML editor would parse it) from the submitted fields."""
    f = {k: str(v).strip() for k, v in form.items() if isinstance(v, str)}
    scripted = f.get("mode") == "scripted"
    persona: dict[str, Any] = {k: f.get(f"persona.{k}", "") for k in ("name", "company", "role")}
    persona |= {k: f[f"persona.{k}"] for k in ("personality", "decision_style", "value_type") if f.get(f"persona.{k}")}
    persona["background"] = _localized(form, "persona.background")
    data: dict[str, Any] = {"id": f.get("id", "")}
    if scripted:
        data["mode"] = "scripted"
    data |= {"title": _localized(form, "title"), "difficulty": _number(f.get("difficulty", "")),
             "practises": _localized(form, "practises"), "persona": persona, "openings": _lines(f.get("openings", ""))}  # fmt: skip
    if scripted:
        data |= {"script": _lines(f.get("script", "")), "script_ending": f.get("script_ending") or "next_meeting"}
    else:
        motives = []
        for i in _indices(form, "motives"):
            p = f"motives.{i}"
            m = {"id": f.get(f"{p}.id", ""), "weight": _number(f.get(f"{p}.weight") or "1"),
                 "description": _localized(form, f"{p}.description"), "reveal": _lines(f.get(f"{p}.reveal", "")),
                 "remedy": _localized(form, f"{p}.remedy")}  # fmt: skip
            if not _blank(m):
                motives.append(m)
        persona["motives"] = motives
        states = []
        for i in _indices(form, "states"):
            p = f"states.{i}"
            s: dict[str, Any] = {"id": f.get(f"{p}.id", "")}
            if f.get(f"{p}.description"):
                s["description"] = f[f"{p}.description"]
            s["lines"] = _lines(f.get(f"{p}.lines", ""))
            if f.get(f"{p}.reveal_motive"):
                s["reveal_motive"] = True
            transitions = {k: f[f"{p}.tr.{k}"] for k in TRANSITION_KEYS if f.get(f"{p}.tr.{k}")}
            if transitions:
                s["transitions"] = transitions
            if f.get(f"{p}.ending"):
                s["ending"] = f[f"{p}.ending"]
            if not _blank(s):
                states.append(s)
        data |= {"initial_state": f.get("initial_state") or "opening", "turn_limit": _number(f.get("turn_limit") or "8"),
                 "states": states, "turn_limit_lines": _lines(f.get("turn_limit_lines", ""))}  # fmt: skip
    weights = {c: _number(f[f"weights.{c}"]) for c in CRITERIA if f.get(f"weights.{c}")}
    rubric: dict[str, Any] = {"weights": weights}
    for key in ("musts", "must_nots"):
        if rules := _rules(form, key):
            rubric[key] = rules
    data |= {"rubric": rubric, "exemplars": {b: _lines(f.get(f"exemplars.{b}", "")) for b in BANDS},
             "cite": _lines(f.get("cite", ""))}  # fmt: skip
    if topics := _lines(f.get("cite_topics", "")):
        data["cite_topics"] = topics
    if nxt := _lines(f.get("next", "")):
        data["next"] = nxt
    return data


def to_yaml(data: dict[str, Any]) -> str:
    """The dict as the YAML the catalog stores and the export downloads."""
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100_000)


def _load(text: str) -> dict[str, Any]:
    try:
        data = yaml.load(text, Loader=SAFE_LOADER)  # noqa: S506 - a safe loader
    except yaml.YAMLError:
        return {}
    return data if isinstance(data, dict) else {}


def _get(obj: Any, *path: str | int) -> str:
    """A text field of the (possibly incomplete) dict for the template: '' when missing."""
    for key in path:
        if isinstance(obj, dict):
            obj = obj.get(key)
        elif isinstance(obj, list) and isinstance(key, int) and 0 <= key < len(obj):
            obj = obj[key]
        else:
            return ""
    return "" if obj is None or isinstance(obj, dict | list) else str(obj)


def _joined(obj: Any) -> str:
    """A list field as one textarea line per item."""
    return "\n".join(str(x) for x in obj) if isinstance(obj, list) else ("" if obj is None else str(obj))


def _page(request: Request, data: dict[str, Any], ctx: dict[str, Any], status: int = 200) -> HTMLResponse:
    persona = data.get("persona") if isinstance(data.get("persona"), dict) else {}
    state_ids = [str(s.get("id")) for s in data.get("states") or [] if isinstance(s, dict) and s.get("id")]
    base = {"d": data, "persona": persona, "motives": (persona or {}).get("motives") or [], "state_ids": state_ids,
            "scripted": data.get("mode") == "scripted", "moves": MOVES, "keys": TRANSITION_KEYS, "bands": BANDS,
            "errors": [], "saved": None, "edit": None, "section": "scenarios", "g": _get, "joined": _joined,
            "criteria": CRITERIA, "outcomes": ("deal", "next_meeting", "walkaway")}  # fmt: skip
    return render(request, "trainer/form.html", {**base, **ctx}, status=status)


def _not_found(lang: str) -> HTTPException:
    return HTTPException(status_code=404, detail=translate("sf_no_such", lang))


@router.get("/form", response_class=HTMLResponse)
def form_page(request: Request, services: ServicesDep, trainer: TrainerUser, lang: LangDep) -> HTMLResponse:
    """A new scenario (blank, or ``?from=ID`` as a template, ``?mode=scripted``) or ``?edit=ID`` of a trainer's own."""
    cat = authoring.catalog(services)  # refreshed for this request by ScenarioRefreshMiddleware
    edit, template = request.query_params.get("edit"), request.query_params.get("from")
    if edit is not None:
        if not cat.owned(edit):
            raise _not_found(lang)
        data = _load(cat.source(edit) or "")
    elif template is not None:
        found = cat.source(template)
        if found is None:
            raise _not_found(lang)
        data = _load(found)
        if not cat.owned(template):  # a built-in id cannot be saved over: suggest a free one
            data["id"] = f"{data.get('id', template)}-copy"
    else:
        data = {**BLANK}
    if request.query_params.get("mode") == "scripted":
        data |= {"mode": "scripted", "openings": (data.get("openings") or [])[:1], "script": data.get("script") or []}
    saved = edit if edit is not None and request.query_params.get("saved") == "1" else None
    return _page(request, data, {"edit": edit, "saved": saved})


@router.post("/form", response_class=HTMLResponse, response_model=None)
async def form_submit(
    request: Request, services: ServicesDep, trainer: TrainerUser, lang: LangDep, action: Annotated[str, Form()] = "validate"
) -> Response:
    """Validate, save, switch between the full and the scripted form, or add a group; errors name the state."""
    form = await request.form()
    data = from_form(form)
    edit = str(form.get("edit") or "") or None
    if action == "switch":
        scripted = data.get("mode") != "scripted"  # the form's mode field is the one to leave
        if scripted:
            data = {**data, "mode": "scripted", "openings": data["openings"][:1], "script": []}
        else:
            data = {k: v for k, v in data.items() if k not in ("mode", "script", "script_ending")}
            data |= {k: BLANK[k] for k in ("initial_state", "turn_limit", "states", "turn_limit_lines")}
            data["persona"] = {**data["persona"], "motives": BLANK["persona"]["motives"]}
        return _page(request, data, {"edit": edit})
    if action.startswith("add:") and action[4:] in GROUPS:
        group = action[4:]
        holder = data["persona"] if group == "motives" else (data["rubric"] if group.startswith("must") else data)
        holder[group] = [*(holder.get(group) or []), dict(GROUPS[group])]
        return _page(request, data, {"edit": edit})
    try:
        Scenario.model_validate(data)
    except ValidationError as exc:
        return _page(request, data, {"edit": edit, "errors": explain(exc, data, lang)}, status=422)
    if action != "save":
        return _page(request, data, {"edit": edit, "valid": True})
    try:
        saved = authoring.save(services, to_yaml(data), trainer.id)
    except ScenarioError as exc:
        return _page(request, data, {"edit": edit, "errors": str(exc).split("; ")}, status=422)
    return RedirectResponse(f"/trainer/scenarios/form?edit={saved.id}&saved=1", status_code=303)


@router.post("/form/draft", response_class=HTMLResponse)
async def form_draft(
    request: Request,
    services: ServicesDep,
    trainer: TrainerUser,
    lang: LangDep,
    text: Annotated[str, Form(max_length=100_000)] = "",
    base: Annotated[str, Form(max_length=100)] = "price-objection",
    file: UploadFile | None = None,
) -> HTMLResponse:
    """A scripted draft from a pasted transcript or an uploaded document, opened in the form to edit."""
    cat = authoring.catalog(services)
    source = cat.source(base)
    if source is None:
        raise _not_found(lang)
    if file is not None and file.filename:
        text = "\n".join([text, await run_in_threadpool(_document_text, file.filename, await file.read())])
    data = draft(text, _load(source), f"{base}-draft")
    errors = [] if data["openings"] else [translate("draft_empty", lang)]
    return _page(request, data, {"errors": errors}, status=200 if data["openings"] else 422)


def _document_text(name: str, content: bytes) -> str:
    """The text of an uploaded document, read by the knowledge loaders (pdf, docx, html, md, txt)."""
    import tempfile
    from pathlib import Path

    from app.knowledge.errors import DocumentError
    from app.knowledge.loaders import load_file

    suffix = Path(name).suffix.lower()[:8]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"upload{suffix}"
        path.write_bytes(content)
        try:
            return load_file(path).text
        except (DocumentError, OSError, ValueError):
            return ""
