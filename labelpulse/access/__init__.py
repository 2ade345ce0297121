"""Accounts, roles, API tokens and the scope policy that every report passes through."""

from labelpulse.access.accounts import (
    add_member,
    add_membership,
    authenticate,
    disable_member,
    enable_member,
    remove_member,
    remove_membership,
    set_password,
    set_role,
)
from labelpulse.access.owners import LastOwnerError, check_batch
from labelpulse.access.policy import Viewer, cut_scope, viewer_for
from labelpulse.access.reports import report_for
from labelpulse.access.tokens import (
    TOKEN_SCOPES,
    check_token,
    create_token,
    list_tokens,
    revoke_token,
)
from labelpulse.store.directory import find_by_email

__all__ = [
    "TOKEN_SCOPES",
    "LastOwnerError",
    "Viewer",
    "add_member",
    "add_membership",
    "authenticate",
    "check_batch",
    "check_token",
    "create_token",
    "cut_scope",
    "disable_member",
    "enable_member",
    "find_by_email",
    "list_tokens",
    "remove_member",
    "remove_membership",
    "report_for",
    "revoke_token",
    "set_password",
    "set_role",
    "viewer_for",
]
