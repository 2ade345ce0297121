"""One person under two member ids made one (`Store.merge_member`): the rule and its SQL.

A tool's user first seen without an email becomes a member under the tool's id
(`label-studio-7`); when the email arrives, that member is merged into the email-keyed one
(`labelpulse.connectors.people`). Every place a member id is stored names the kept member
afterwards: the events' actor and author (event ids do not change), the aliases
(`external_ids`), tokens, memberships, the password and the disablement; the state,
review-action and work tables are then made again from the log, as a rebuild makes them
(whose figures depend on who did what: an edit of one's own annotation is no longer another
member's edit).

The kept member wins: its directory row (name, email, role) and its password stay. What it
lacks it takes from the merged one: the directory row itself (a rename), the disablement, the
memberships (added to its own). The merged member's sign-in sessions end (they carry its id and
role). Its password and tokens move on a rename (same person, same role) and end on a merge
into a member that exists already: an email set in a tool is no proof enough to hand whoever
holds the merged member's credentials the kept member's role.

DuckDB and PostgreSQL run `MERGE_STATEMENTS` in one transaction, then their rebuild; ClickHouse
has no transactions and does the same in an order a repeat heals (its store says how).
"""

from __future__ import annotations

from labelpulse.errors import UsageError

# Each statement with the named parameters $old (merged) and $new (kept); in order: the merged
# member's credentials end when the kept member exists already, then what the kept member lacks
# is copied before the merged member's rows go.
MERGE_STATEMENTS: tuple[str, ...] = (
    "DELETE FROM tokens WHERE member = $old AND EXISTS (SELECT 1 FROM members WHERE id = $new)",
    "DELETE FROM accounts WHERE member = $old AND EXISTS (SELECT 1 FROM members WHERE id = $new)",
    "INSERT INTO members (id, name, email, role) SELECT $new, name, email, role "
    "FROM members WHERE id = $old ON CONFLICT (id) DO NOTHING",
    "DELETE FROM members WHERE id = $old",
    "INSERT INTO memberships (member, target_kind, target) SELECT $new, target_kind, target "
    "FROM memberships WHERE member = $old ON CONFLICT (member, target_kind, target) DO NOTHING",
    "DELETE FROM memberships WHERE member = $old",
    "INSERT INTO accounts (member, password_hash, updated_us) "
    "SELECT $new, password_hash, updated_us FROM accounts WHERE member = $old "
    "ON CONFLICT (member) DO NOTHING",
    "DELETE FROM accounts WHERE member = $old",
    "INSERT INTO disabled_members (member, disabled_us) SELECT $new, disabled_us "
    "FROM disabled_members WHERE member = $old ON CONFLICT (member) DO NOTHING",
    "DELETE FROM disabled_members WHERE member = $old",
    "DELETE FROM sessions WHERE member = $old",
    "INSERT INTO rates (member, project, effective, currency, per_hour, per_accepted, "
    "per_region) SELECT $new, project, effective, currency, per_hour, per_accepted, per_region "
    "FROM rates WHERE member = $old ON CONFLICT (member, project, effective) DO NOTHING",
    "DELETE FROM rates WHERE member = $old",
    "UPDATE tokens SET member = $new WHERE member = $old",
    "UPDATE external_ids SET internal_id = $new WHERE kind = 'member' AND internal_id = $old",
    "UPDATE events SET actor = $new WHERE actor = $old",
    "UPDATE events SET author = $new WHERE author = $old",
)


def merge_steps(old: str, new: str) -> list[tuple[str, dict[str, str]]]:
    """Each of `MERGE_STATEMENTS` with the parameters it names (DuckDB refuses others)."""
    values = check_merge(old, new)
    return [(sql, {k: v for k, v in values.items() if f"${k}" in sql}) for sql in MERGE_STATEMENTS]


def check_merge(old: str, new: str) -> dict[str, str]:
    """A merge's parameters, `old` and `new`; merging a member into itself (or an empty id) is
    refused. ClickHouse, which runs no `MERGE_STATEMENTS`, takes them as they are."""
    if not old or not new or old == new:
        raise UsageError(f"cannot merge member {old!r} into {new!r}: two different ids needed")
    return {"old": old, "new": new}
