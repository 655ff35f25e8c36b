"""Who may see whose practice sessions: one rule, used by every read of a session by id."""

from __future__ import annotations

from app.db.models import User

ROLES = ("rep", "trainer", "admin")
TRAINER_ROLES = ("trainer", "admin")


def can_see(viewer: User, owner: User) -> bool:
    """Reps see their own sessions; trainers their team's; admins everyone's.

    A trainer without a team sees every team: that is the local user of ``COACH_AUTH=off``
    (so local mode behaves as before accounts), and a company with a single training team.
    """
    if viewer.id == owner.id or viewer.role == "admin":
        return True
    if viewer.role == "trainer":
        return viewer.team is None or viewer.team == owner.team
    return False


def team_scope(viewer: User) -> str | None:
    """The team whose work a trainer's lists show, or None for everyone (admins, trainers without a team).

    The same rule as :func:`can_see`, for queries: every trainer list (sessions, reviews, disputes,
    assignments, analytics, the CSV, agreement) is filtered by it.
    """
    if viewer.role == "admin":
        return None
    return viewer.team
