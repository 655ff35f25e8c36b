"""Accounts and roles for team deployments (``COACH_AUTH=password``).

``COACH_AUTH=off`` (the default) keeps the single local user and is allowed on loopback only.
Password mode signs people in against argon2 hashes (:mod:`.passwords`), keeps them signed in
with a signed cookie or a signed bearer token (:mod:`.tokens`), throttles failed sign-ins in the
database (:mod:`.throttle`), and decides who sees which session (:mod:`.policy`). The FastAPI
side is :mod:`app.deps` (``CurrentUser``, ``require_role``) and :mod:`app.web.auth` (pages).
"""
