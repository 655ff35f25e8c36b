"""FastAPI dependencies, as ``Annotated`` aliases, in one place.

Routers declare what they need (``SettingsDep``, ``RepoDep``,
``CurrentUser``...) and never reach into ``app.state`` themselves. All
authorisation is here: :func:`get_current_user` (who is asking: the local
user, or the account of a session cookie or bearer token, see
:mod:`app.auth.login`) and :func:`require_role` (``TrainerUser``); route
bodies never check roles themselves.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from sqlalchemy.orm import Session

from app.auth.login import LoginRequiredError, principal_of
from app.auth.tokens import Principal, password_fingerprint
from app.config import Settings
from app.db.engine import Database
from app.db.models import User
from app.db.repository import LOCAL_USER, Repository
from app.services.container import Services
from app.services.sessions import PracticeService


def get_settings(request: Request) -> Settings:
    """The app's settings."""
    settings: Settings = request.app.state.settings
    return settings


def get_services(request: Request) -> Services:
    """The app's component container."""
    services: Services = request.app.state.services
    return services


def get_database(services: Annotated[Services, Depends(get_services)]) -> Database:
    """The app's database (built by the composition root)."""
    return services.database


def get_db(database: Annotated[Database, Depends(get_database)]) -> Iterator[Session]:
    """One ORM session per request, closed afterwards (commits are explicit)."""
    db = database.session()
    try:
        yield db
    finally:
        db.close()


def get_repo(db: Annotated[Session, Depends(get_db)]) -> Repository:
    """The repository over this request's ORM session."""
    return Repository(db)


def get_practice(services: Annotated[Services, Depends(get_services)]) -> PracticeService:
    """The practice-session service (built by the composition root)."""
    return services.practice


def get_lang(request: Request) -> str:
    """The interface language chosen by the i18n middleware."""
    return str(getattr(request.state, "lang", "zh"))


async def get_principal(request: Request, settings: Annotated[Settings, Depends(get_settings)]) -> Principal | None:
    """The request's credential in password mode (None in local mode); checks page forms' CSRF token.

    Async and database-free, so the form is read once in the event loop; the account is looked
    up by :func:`get_current_user`.
    """
    if settings.auth == "off":
        return None
    return await principal_of(request, settings)


def get_current_user(
    database: Annotated[Database, Depends(get_database)],
    principal: Annotated[Principal | None, Depends(get_principal)],
) -> User:
    """The signed-in user, read in a short session of its own (so a request that then waits for
    its turn on a session holds no connection meanwhile).

    Local single-user mode (``COACH_AUTH=off``, loopback only): everyone is the one local user,
    created on first use, who is both rep and trainer. Password mode: the account the credential
    names, unless it was disabled or its password changed since the credential was issued.
    """
    with database.session() as db:
        repo = Repository(db)
        if principal is None:
            return repo.get_or_create_user(LOCAL_USER, "本地用户", role="trainer")
        user = repo.user(principal.user_id)
    if user is None or user.disabled or password_fingerprint(user.password_hash) != principal.fingerprint:
        raise LoginRequiredError("account disabled or password changed")
    return user


def require_role(*roles: str) -> Callable[[User], User]:
    """A dependency giving the current user when their role is one of ``roles``, else 403."""

    def dependency(user: Annotated[User, Depends(get_current_user)]) -> User:
        if user.role not in roles:
            raise HTTPException(status_code=403, detail=f"{' or '.join(roles)} access required")
        return user

    return dependency


#: The current user, who must be allowed into the trainer console (trainers and admins).
get_trainer = require_role("trainer", "admin")


SettingsDep = Annotated[Settings, Depends(get_settings)]
ServicesDep = Annotated[Services, Depends(get_services)]
DatabaseDep = Annotated[Database, Depends(get_database)]
DbSessionDep = Annotated[Session, Depends(get_db)]
RepoDep = Annotated[Repository, Depends(get_repo)]
PracticeDep = Annotated[PracticeService, Depends(get_practice)]
LangDep = Annotated[str, Depends(get_lang)]
CurrentUser = Annotated[User, Depends(get_current_user)]
TrainerUser = Annotated[User, Depends(get_trainer)]
AdminUser = Annotated[User, Depends(require_role("admin"))]
