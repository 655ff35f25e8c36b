"""``/api/v1/sessions``: start a role-play, reply (plain or streamed), read transcripts and scorecards."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import StreamingResponse

from app.api.convert import dispute_out, score_out, session_item, session_out
from app.api.middleware import request_id_of
from app.api.openapi_docs import error_doc
from app.api.ratelimit import RateLimited
from app.api.schemas import (
    CreateSessionIn,
    DisputeIn,
    DisputeOut,
    MessageIn,
    MessageOut,
    ReplyOut,
    SessionCreated,
    SessionListItem,
    SessionOut,
)
from app.channels.web import SSEChannel
from app.deps import CurrentUser, LangDep, PracticeDep, RepoDep
from app.domain import Scorecard
from app.services.disputes import DisputeError, open_dispute
from app.services.sessions import ReplyOutcome
from app.web.i18n import translate

router = APIRouter(prefix="/api/v1/sessions", tags=["sessions"])

ERRORS: dict[int | str, dict[str, object]] = {
    404: {**error_doc("Unknown scenario or session"), "content": {"application/json": {"example": {"detail": "unknown session 'x'"}}}},
    409: error_doc("The session has ended, or another reply to it is still being scored"),
    413: error_doc("Reply longer than COACH_MAX_MESSAGE_CHARS, or body over COACH_MAX_BODY_BYTES"),
    422: {**error_doc("Empty reply or malformed body"), "content": {"application/json": {"example": {"detail": "the reply is empty"}}}},
}  # fmt: skip
RATE_LIMITED = error_doc("Over COACH_RATE_LIMIT; see Retry-After")


@router.post("", status_code=201, response_model=SessionCreated, responses=ERRORS)
def create_session(body: CreateSessionIn, repo: RepoDep, user: CurrentUser, practice: PracticeDep, lang: LangDep) -> SessionCreated:
    """Start a role-play; the first message is the customer's opening line."""
    ps = practice.start(user, body.scenario, lang=body.lang or lang, seed=body.seed, difficulty=body.difficulty)
    return SessionCreated(
        id=ps.id,
        scenario=ps.scenario_id,
        messages=[MessageOut(role=m.role, text=m.text) for m in ps.messages],  # type: ignore[arg-type]
    )


@router.get("", response_model=list[SessionListItem])
def list_sessions(repo: RepoDep, user: CurrentUser) -> list[SessionListItem]:
    """My sessions, newest first."""
    return [session_item(ps) for ps in repo.sessions(user_id=user.id)]


@router.get("/{session_id}", response_model=SessionOut, responses=ERRORS)
def get_session(session_id: str, repo: RepoDep, user: CurrentUser, practice: PracticeDep) -> SessionOut:
    """The transcript with the coach's score on each rep reply and any trainer reviews."""
    ps = practice.get(repo, user, session_id)
    return session_out(ps, repo.reviews(ps.id), repo.disputes(ps.id))


def _reply_out(out: ReplyOutcome) -> ReplyOut:
    return ReplyOut(
        reply=MessageOut(role="customer", text=out.customer_message.text),
        score=score_out(out.score),
        done=out.done,
        outcome=out.outcome,
    )


@router.post("/{session_id}/messages", response_model=ReplyOut, responses={**ERRORS, 429: RATE_LIMITED})
async def post_message(
    session_id: str, body: MessageIn, user: CurrentUser, practice: PracticeDep, _: RateLimited
) -> ReplyOut:
    """Send a rep reply: the customer's next line, the score, and whether it ended.

    Both the reply and the answer are committed before this returns. Replies to one session
    are played one at a time, in the order they get their turn.
    """
    return _reply_out(await practice.reply_async(user, session_id, body.text))


@router.post(
    "/{session_id}/messages/stream",
    responses={**ERRORS, 429: RATE_LIMITED, 200: {"content": {"text/event-stream": {}}, "description": "Server-sent events"}},
)
async def stream_message(
    session_id: str, body: MessageIn, request: Request, user: CurrentUser, practice: PracticeDep, _: RateLimited
) -> StreamingResponse:
    """Like POST .../messages, as server-sent events, the customer's line streamed as it is written.

    Events: ``customer`` (``{"delta"}``, several: an LLM's tokens as they arrive, or the line in
    pieces), then ``score`` (the score object), then ``done`` (``{"done","outcome","text"}``, the
    final line). The rep's reply is committed before the first event, so an unknown or ended
    session, or a bad reply, is plain JSON with its status code; a failure while scoring is an
    ``error`` event (``{"detail","request_id"}``) and the reply stays saved, unscored.
    """
    pending = await practice.reply_streaming(user, session_id, body.text)
    channel = SSEChannel(score_view=lambda s: score_out(s).model_dump(), request_id=request_id_of(request))
    return StreamingResponse(
        channel.events(pending), media_type="text/event-stream", headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    )


@router.post("/{session_id}/finish", response_model=SessionOut, responses=ERRORS)
def finish_session(session_id: str, repo: RepoDep, user: CurrentUser, practice: PracticeDep) -> SessionOut:
    """End the role-play now (the rep stops early); idempotent."""
    ps = practice.finish(user, session_id)
    return session_out(ps, repo.reviews(ps.id), repo.disputes(ps.id))


@router.get("/{session_id}/scorecard", response_model=Scorecard, responses=ERRORS)
def get_scorecard(session_id: str, repo: RepoDep, user: CurrentUser, practice: PracticeDep) -> Scorecard:
    """Per-criterion averages, best and weakest reply, outcome and a suggested next scenario."""
    return practice.scorecard(practice.get(repo, user, session_id))


@router.post(
    "/{session_id}/messages/{message_seq}/dispute",
    status_code=201,
    response_model=DisputeOut,
    responses={404: ERRORS[404], 422: error_doc("A customer line or an unscored reply, or a malformed body")},
)
def dispute(
    session_id: str, message_seq: int, repo: RepoDep, user: CurrentUser, lang: LangDep, body: DisputeIn | None = None
) -> DisputeOut:
    """Dispute (有异议) the coach's score of one of my replies, ``message_seq`` being its ``seq`` in the transcript.

    The trainer's review list shows it first; a trainer review of the reply resolves it.
    Disputing again while it is open replaces the reason.
    """
    try:
        d = open_dispute(repo, user, session_id, message_seq, body.reason if body else "")
    except DisputeError as exc:
        raise HTTPException(status_code=exc.status, detail=translate(exc.key, lang)) from exc
    return dispute_out(d, message_seq)
