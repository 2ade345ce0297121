"""Member management pages (owner, admin): add members, set roles and passwords, memberships.

Every POST checks the session's CSRF token first, then the role, then acts through
`labelpulse.access` and redirects (303) back with a flash message kept in the signed session
(not in the URL, so nobody can craft a link that shows a made-up message).

The owner role is guarded beyond the access table: only an owner may grant it, take it away,
create an owner or set an owner's password (else an admin could take over an owner's account),
and the last owner cannot be demoted (else nobody could ever grant the role again).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from labelpulse.access import (
    Viewer,
    add_member,
    add_membership,
    remove_membership,
    set_password,
    set_role,
)
from labelpulse.access.accounts import has_password
from labelpulse.errors import ForbiddenError, NotFoundError, UsageError
from labelpulse.events import ROLES
from labelpulse.metrics import Directory
from labelpulse.store.base import Store
from labelpulse.web.auth import check_csrf, page_viewer
from labelpulse.web.pagekit import segment
from labelpulse.web.templating import page

router = APIRouter(prefix="/admin", include_in_schema=False)

Asker = Annotated[Viewer, Depends(page_viewer)]
FormText = Annotated[str, Form()]
HOME = "/admin/members"


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def _flash(request: Request, kind: str, text: str) -> None:
    request.session["flash"] = [kind, text]


def _manager_of_members(viewer: Viewer) -> None:
    if not viewer.may_manage_members:
        raise ForbiddenError("only an owner or admin may manage members")


def _guard_owner_role(viewer: Viewer, *roles: str | None) -> None:
    if "owner" in roles and viewer.role != "owner":
        raise ForbiddenError("only an owner may grant or take away the owner role")


def _role_of(directory: Directory, member: str) -> str | None:
    row = directory.members.get(member)
    return str(row["role"]) if row else None


@router.get("/members")
def members_page(request: Request, viewer: Asker) -> Response:
    _manager_of_members(viewer)
    store = _store(request)
    directory = Directory.load(store)
    flash = request.session.pop("flash", None)
    roles = [r for r in ROLES if r != "owner" or viewer.role == "owner"]
    targets = [
        (f"workspace:{w}", f"{row['name']} (workspace)")
        for w, row in sorted(directory.workspaces.items(), key=lambda kv: str(kv[1]["name"]))
    ] + [
        (f"project:{p}", f"{row['name']} (project)")
        for p, row in sorted(directory.projects.items(), key=lambda kv: str(kv[1]["name"]))
    ]
    rows = []
    for member, row in sorted(directory.members.items(), key=lambda kv: str(kv[1]["name"])):
        held = sorted(directory.memberships.get(member, set()))
        rows.append(
            {
                "id": member,
                "path": segment(member),
                "name": row["name"],
                "email": row["email"] or "",
                "role": row["role"],
                "can_sign_in": has_password(store, member),
                "memberships": [(k, t, _target_name(directory, k, t)) for k, t in held],
                # An admin can neither change an owner's role nor set an owner's password.
                "editable": row["role"] != "owner" or viewer.role == "owner",
            }
        )
    context = {
        "title": "Manage members",
        "nav": "admin",
        "members": rows,
        "roles": roles,
        "targets": targets,
        "flash": flash if isinstance(flash, list) and len(flash) == 2 else None,
        "twin": "/api/me",
    }
    return page(request, "admin_members.html", context)


def _target_name(directory: Directory, kind: str, target: str) -> str:
    rows = directory.workspaces if kind == "workspace" else directory.projects
    row = rows.get(target)
    return str(row["name"]) if row else target


def _act(request: Request, done: str, action: Callable[[], Any], back: str = HOME) -> Response:
    """Run one change; a mistake in the form comes back as a flash message, not an error page."""
    try:
        action()
    except (UsageError, NotFoundError) as exc:
        _flash(request, "error", exc.message)
    else:
        _flash(request, "ok", done)
    return RedirectResponse(back, status_code=303)


@router.post("/members")
def add(
    request: Request,
    viewer: Asker,
    csrf: FormText = "",
    id: FormText = "",
    name: FormText = "",
    email: FormText = "",
    role: FormText = "",
    password: FormText = "",
) -> Response:
    check_csrf(request, csrf)
    _manager_of_members(viewer)
    _guard_owner_role(viewer, role)
    store = _store(request)
    member = id.strip()

    def create() -> None:
        # Adding never overwrites: an existing member is changed with the forms of their row.
        if member in Directory.load(store).members:
            raise UsageError(f"a member with id {member!r} already exists")
        add_member(
            store,
            member,
            name=name.strip(),
            email=email.strip(),
            role=role,
            password=password or None,
        )

    sign_in = "" if password else " (no password: they cannot sign in yet)"
    return _act(request, f"Added {name.strip() or member} as {role}{sign_in}.", create)


@router.post("/members/{member_id}/role")
def change_role(
    request: Request, viewer: Asker, member_id: str, csrf: FormText = "", role: FormText = ""
) -> Response:
    check_csrf(request, csrf)
    _manager_of_members(viewer)
    store = _store(request)
    directory = Directory.load(store)
    current = _role_of(directory, member_id)
    _guard_owner_role(viewer, current, role)

    def change() -> None:
        owners = [m for m, row in directory.members.items() if row["role"] == "owner"]
        if current == "owner" and role != "owner" and owners == [member_id]:
            raise UsageError("the last owner stays owner: make someone else owner first")
        set_role(store, member_id, role)

    # Whoever demotes themselves out of member management has no business on this page.
    back = "/" if member_id == viewer.id and role not in ("owner", "admin") else HOME
    name = directory.member_name(member_id)
    return _act(request, f"{name} is now {role}.", change, back)


@router.post("/members/{member_id}/password")
def change_password(
    request: Request, viewer: Asker, member_id: str, csrf: FormText = "", password: FormText = ""
) -> Response:
    check_csrf(request, csrf)
    _manager_of_members(viewer)
    store = _store(request)
    directory = Directory.load(store)
    if _role_of(directory, member_id) == "owner" and viewer.role != "owner":
        raise ForbiddenError("only an owner may set an owner's password")
    name = directory.member_name(member_id)
    return _act(
        request, f"Password of {name} set.", lambda: set_password(store, member_id, password)
    )


def _split_target(target: str) -> tuple[str, str]:
    kind, _, ident = target.partition(":")
    if not ident:
        raise UsageError("choose a workspace or project")
    return kind, ident


@router.post("/members/{member_id}/memberships")
def join(
    request: Request, viewer: Asker, member_id: str, csrf: FormText = "", target: FormText = ""
) -> Response:
    check_csrf(request, csrf)
    _manager_of_members(viewer)
    store = _store(request)
    directory = Directory.load(store)

    def add_one() -> None:
        kind, ident = _split_target(target)
        add_membership(store, member_id, kind, ident)

    kind, _, ident = target.partition(":")
    what = f"{_target_name(directory, kind, ident)} ({kind})"
    return _act(request, f"{directory.member_name(member_id)} joined {what}.", add_one)


@router.post("/members/{member_id}/memberships/remove")
def leave(
    request: Request,
    viewer: Asker,
    member_id: str,
    csrf: FormText = "",
    kind: FormText = "",
    target: FormText = "",
) -> Response:
    check_csrf(request, csrf)
    _manager_of_members(viewer)
    store = _store(request)
    directory = Directory.load(store)
    what = f"{_target_name(directory, kind, target)} ({kind})"
    return _act(
        request,
        f"{directory.member_name(member_id)} left {what}.",
        lambda: remove_membership(store, member_id, kind, target),
    )
