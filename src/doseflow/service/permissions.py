"""Who may do what on a trial: the one table of permissions, enforced on the server.

Roles are held per trial (a user sees no trial without a role on it). The global admin
flag of a user only allows creating users, trials and imports; on a trial, even an admin
acts through a role. Separation of duties follows the usual phase I practice: data
managers enter data, the statistician changes the design or enrols off the
recommended level, safety reviewers sign SRC decisions, a trial's admin manages roles.
"""

from __future__ import annotations

__all__ = ["PERMISSIONS", "TRIAL_ACTIONS", "allowed", "require", "NotPermitted"]

_ALL = frozenset({"viewer", "data_manager", "statistician", "safety_reviewer", "admin"})

#: action -> roles that may perform it.
PERMISSIONS: dict[str, frozenset[str]] = {
    "view": _ALL,
    "export": _ALL,
    "enrol": frozenset({"data_manager", "statistician"}),
    "enrol_off_level": frozenset({"statistician"}),
    "assess": frozenset({"data_manager"}),
    "correct": frozenset({"data_manager"}),
    "close_window": frozenset({"data_manager"}),
    "sign_decision": frozenset({"safety_reviewer"}),
    "revise_design": frozenset({"statistician"}),
    "manage_roles": frozenset({"admin"}),
}
TRIAL_ACTIONS: tuple[str, ...] = tuple(PERMISSIONS)


class NotPermitted(PermissionError):
    """The user's roles on the trial do not allow the action (HTTP 403)."""


def allowed(roles: frozenset[str], action: str) -> bool:
    """Whether any of ``roles`` may perform ``action``."""
    return bool(roles & PERMISSIONS[action])


def require(roles: frozenset[str], action: str) -> None:
    """Raise :class:`NotPermitted` naming the action and the roles that may perform it."""
    if not allowed(roles, action):
        who = ", ".join(sorted(PERMISSIONS[action]))
        raise NotPermitted(f"{action.replace('_', ' ')} needs one of the roles {who} on this trial")
