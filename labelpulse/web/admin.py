"""Member management pages (owner, admin): add members, set roles and passwords, memberships,
disable, enable and remove members; and the API tokens page.

Every POST checks the session's CSRF token first, then the role, then acts through
`labelpulse.access` and redirects (303) back with a flash message kept in the signed session
(not in the URL, so nobody can craft a link that shows a made-up message).

The owner role is guarded beyond the access table, by `labelpulse.access.owners` (the one place
every write path asks): only an owner may grant it, take it away, or touch an owner (role,
password, tokens, disable, remove), and the last owner stays (else nobody could ever grant the
role again). A refusal of the role is a 403; leaving no owner is a message on the page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from labelpulse.access import (
    TOKEN_SCOPES,
    LastOwnerError,
    Viewer,
    add_member,
    add_membership,
    create_token,
    disable_member,
    enable_member,
    list_tokens,
    remove_member,
    remove_membership,
    revoke_token,
    set_password,
    set_role,
)
from labelpulse.access.accounts import has_password
from labelpulse.access.owners import disabled_members
from labelpulse.errors import ForbiddenError, NotFoundError, UsageError
from labelpulse.events import ROLES
from labelpulse.metrics import Directory
from labelpulse.store.base import Store
from labelpulse.web.auth import check_csrf, page_viewer, sign_in
from labelpulse.web.pagekit import segment
from labelpulse.web.templating import page

router = APIRouter(prefix="/admin", include_in_schema=False)

Asker = Annotated[Viewer, Depends(page_viewer)]
FormText = Annotated[str, Form()]
HOME = "/admin/members"
TOKENS = "/admin/tokens"


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def _flash(request: Request, kind: str, text: str) -> None:
    request.session["flash"] = [kind, text]


def _manager_of_members(viewer: Viewer) -> None:
    if not viewer.may_manage_members:
        raise ForbiddenError("only an owner or admin may manage members")


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
    disabled = disabled_members(store)
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
                "disabled": member in disabled,
                "self": member == viewer.id,
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
    """Run one change; a mistake in the form comes back as a flash message, not an error page
    (a change the asker may not make at all is a 403 all the same)."""
    try:
        action()
    except (UsageError, NotFoundError, LastOwnerError) as exc:
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
    if role == "owner" and viewer.role != "owner":  # refused outright, not as a message
        raise ForbiddenError("only an owner may grant the owner role")
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
            by=viewer,
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
    _refuse_owner_business(viewer, directory, member_id, role)

    def change() -> None:
        set_role(store, member_id, role, by=viewer)
        _carry_on(request, store, viewer, member_id)

    # Whoever demotes themselves out of member management has no business on this page.
    back = "/" if member_id == viewer.id and role not in ("owner", "admin") else HOME
    name = directory.member_name(member_id)
    return _act(request, f"{name} is now {role}.", change, back)


def _refuse_owner_business(
    viewer: Viewer, directory: Directory, member_id: str, role: str | None = None
) -> None:
    """A 403 before anything else when someone who is not an owner touches an owner or the
    owner role (the library refuses it too; this keeps it a 403 and not a message)."""
    if viewer.role == "owner":
        return
    if role == "owner" or _role_of(directory, member_id) == "owner":
        raise ForbiddenError("only an owner may grant the owner role or change an owner")


def _carry_on(request: Request, store: Store, viewer: Viewer, member_id: str) -> None:
    """Changing one's own password or role ends one's other sessions; this one goes on, as a
    new session (else the change would sign out the person making it)."""
    if member_id == viewer.id:
        fresh = Directory.load(store).members.get(member_id)
        if fresh is not None:
            sign_in(request, Viewer(viewer.id, viewer.name, str(fresh["role"]), viewer.email))


@router.post("/members/{member_id}/password")
def change_password(
    request: Request, viewer: Asker, member_id: str, csrf: FormText = "", password: FormText = ""
) -> Response:
    check_csrf(request, csrf)
    _manager_of_members(viewer)
    store = _store(request)
    directory = Directory.load(store)
    _refuse_owner_business(viewer, directory, member_id)
    name = directory.member_name(member_id)

    def change() -> None:
        set_password(store, member_id, password, by=viewer)
        _carry_on(request, store, viewer, member_id)

    return _act(request, f"Password of {name} set.", change)


def _member_switch(
    request: Request,
    viewer: Viewer,
    member_id: str,
    csrf: str,
    act: Callable[..., Any],
    done: Callable[[str], str],
) -> Response:
    """Disable, enable or remove a member: the owner guard first, then `act(store, id, by=)`."""
    check_csrf(request, csrf)
    _manager_of_members(viewer)
    store = _store(request)
    directory = Directory.load(store)
    _refuse_owner_business(viewer, directory, member_id)
    name = directory.member_name(member_id) or member_id
    return _act(request, done(name), lambda: act(store, member_id, by=viewer))


@router.post("/members/{member_id}/disable")
def disable(request: Request, viewer: Asker, member_id: str, csrf: FormText = "") -> Response:
    return _member_switch(
        request, viewer, member_id, csrf, disable_member,
        lambda name: f"{name} is disabled: they cannot sign in, their sessions and tokens "
        "stopped working.",
    )  # fmt: skip


@router.post("/members/{member_id}/enable")
def enable(request: Request, viewer: Asker, member_id: str, csrf: FormText = "") -> Response:
    return _member_switch(
        request, viewer, member_id, csrf, enable_member, lambda name: f"{name} is enabled again."
    )


@router.post("/members/{member_id}/remove")
def remove(request: Request, viewer: Asker, member_id: str, csrf: FormText = "") -> Response:
    return _member_switch(
        request, viewer, member_id, csrf, remove_member,
        lambda name: f"{name} is removed (their past work stays in the reports, under "
        f"{member_id}).",
    )  # fmt: skip


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


# ---------------------------------------------------------------- API tokens


def _when(us: object) -> str:
    if not isinstance(us, int):
        return ""
    return dt.datetime.fromtimestamp(us / 1e6, tz=dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def _tokens_page(request: Request, viewer: Viewer, made: dict[str, str] | None = None) -> Response:
    store = _store(request)
    directory = Directory.load(store)
    flash = request.session.pop("flash", None)
    rows = []
    newest_first = sorted(list_tokens(store), key=lambda r: str(r["id"]))
    newest_first.sort(key=lambda r: r["created_us"] if isinstance(r["created_us"], int) else 0)
    for row in reversed(newest_first):
        member = str(row["member"])
        rows.append(
            {
                "id": row["id"],
                "member": member,
                "member_name": directory.member_name(member),
                "name": row["name"],
                "scope": row["scope"],
                "created": _when(row["created_us"]),
                "revoked": _when(row["revoked_us"]),
                # An admin may neither revoke an owner's token nor make one.
                "editable": _role_of(directory, member) != "owner" or viewer.role == "owner",
            }
        )
    members = [
        (m, f"{row['name']} ({m}, {row['role']})")
        for m, row in sorted(directory.members.items(), key=lambda kv: str(kv[1]["name"]))
        if row["role"] != "owner" or viewer.role == "owner"
    ]
    context = {
        "title": "API tokens",
        "nav": "tokens",
        "tokens": rows,
        "members": members,
        "scopes": TOKEN_SCOPES,
        "made": made,
        "flash": flash if isinstance(flash, list) and len(flash) == 2 else None,
    }
    return page(request, "admin_tokens.html", context)


@router.get("/tokens")
def tokens_page(request: Request, viewer: Asker) -> Response:
    _manager_of_members(viewer)
    return _tokens_page(request, viewer)


@router.post("/tokens")
def make_token(
    request: Request,
    viewer: Asker,
    csrf: FormText = "",
    member: FormText = "",
    name: FormText = "",
    scope: FormText = "",
) -> Response:
    """Make a token and show it on the page this once (never in a redirect or the cookie)."""
    check_csrf(request, csrf)
    _manager_of_members(viewer)
    store = _store(request)
    _refuse_owner_business(viewer, Directory.load(store), member)
    try:
        if not name.strip():
            raise UsageError("give the token a name: what it is for")
        token_id, token = create_token(store, member, name=name.strip(), scope=scope, by=viewer)
    except (UsageError, NotFoundError) as exc:
        _flash(request, "error", exc.message)
        return RedirectResponse(TOKENS, status_code=303)
    return _tokens_page(request, viewer, {"id": token_id, "token": token, "member": member})


@router.post("/tokens/{token_id}/revoke")
def revoke(request: Request, viewer: Asker, token_id: str, csrf: FormText = "") -> Response:
    check_csrf(request, csrf)
    _manager_of_members(viewer)
    store = _store(request)
    rows = store.get("tokens", id=token_id)
    if rows:
        _refuse_owner_business(viewer, Directory.load(store), str(rows[0]["member"]))
    return _act(
        request,
        f"Token {token_id} revoked: it stopped working at once.",
        lambda: revoke_token(store, token_id, by=viewer),
        TOKENS,
    )
