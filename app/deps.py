"""FastAPI dependencies, as ``Annotated`` aliases, in one place.

Routers declare what they need (``SettingsDep``, ``RepoDep``,
``CurrentUser``...) and never reach into ``app.state`` themselves. When
accounts and roles arrive, only :func:`get_current_user` and
:func:`get_trainer` change.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from sqlalchemy.orm import Session

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


def get_current_user(database: Annotated[Database, Depends(get_database)]) -> User:
    """The signed-in user, read in a short session of its own (so a request that then waits for
    its turn on a session holds no connection meanwhile).

    Local single-user mode (the service listens on loopback only): everyone
    is the one local user, created on first use, who is both rep and trainer.
    """
    with database.session() as db:
        return Repository(db).get_or_create_user(LOCAL_USER, "本地用户", role="trainer")


def get_trainer(user: Annotated[User, Depends(get_current_user)]) -> User:
    """The current user, who must be allowed into the trainer console."""
    if user.role not in ("trainer", "admin"):
        raise HTTPException(status_code=403, detail="trainer access required")
    return user


SettingsDep = Annotated[Settings, Depends(get_settings)]
ServicesDep = Annotated[Services, Depends(get_services)]
DatabaseDep = Annotated[Database, Depends(get_database)]
DbSessionDep = Annotated[Session, Depends(get_db)]
RepoDep = Annotated[Repository, Depends(get_repo)]
PracticeDep = Annotated[PracticeService, Depends(get_practice)]
LangDep = Annotated[str, Depends(get_lang)]
CurrentUser = Annotated[User, Depends(get_current_user)]
TrainerUser = Annotated[User, Depends(get_trainer)]
