"""How a model-based design's recommended level becomes a decision, one trial or many.

The CRM, TITE-CRM and BLRM designs each compute a recommended level from a posterior;
what they share is how that level becomes a :class:`~doseflow.core.Decision` (or its
array form, :class:`~doseflow.designs.batch.BatchDecision`): the first cohort at the start
dose, a wait while outcomes the design needs are pending, a move towards the recommended
level (escalate, stay or de-escalate relative to the current dose), or a stop when no
level is acceptable. The rule ids are the design's name followed by :data:`MODEL_RULES`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from doseflow.core import Decision
from doseflow.designs.batch import ACTION_CODES, KIND_CODES, BatchDecision

__all__ = ["MODEL_RULES", "compose_batch_decision", "compose_decision", "describe_levels", "describe_move"]

#: The rules of the model-based designs, in the order of their batch codes.
MODEL_RULES: tuple[str, ...] = ("start", "wait_pending", "escalate", "stay", "deescalate", "stop_no_admissible")
_R = {r: i for i, r in enumerate(MODEL_RULES)}
_MOVE_RULE = {"escalate": "escalate", "stay": "stay", "de-escalate": "deescalate"}


def describe_move(current: int, to: int) -> str:
    """``"escalate"``, ``"stay"`` or ``"de-escalate"``: from the 1-based ``current`` level to ``to``."""
    if to == current:
        return "stay"
    return "escalate" if to > current else "de-escalate"


def describe_levels(values: Sequence[float], digits: int = 3) -> str:
    """Per-level values in words: ``"0.089, 0.155, 0.272 (levels 1-3)"``."""
    text = ", ".join(f"{v:.{digits}f}" for v in values)
    return f"{text} (levels 1-{len(values)})" if len(values) > 1 else f"{text} (level 1)"


def compose_decision(name: str, current: int, to: int, clause: str, cohort_size: int, cohort_kind: str,
                     details: Mapping[str, Any]) -> Decision:
    """The decision to treat the next patients at the 1-based level ``to``.

    ``clause`` is the reason up to the move (the design's estimates and its rule); the
    move is added: ``"...; escalate to level 3."``.
    """
    action = describe_move(current, to)
    verb = "stay at" if action == "stay" else f"{action} to"
    return Decision(action, to, f"{clause}: {verb} level {to}.", (), f"{name}.{_MOVE_RULE[action]}", cohort_size,
                    cohort_kind, details=dict(details))


def compose_batch_decision(
    rules: tuple[str, ...],
    current: np.ndarray,
    recommended: np.ndarray,
    *,
    start_dose: int,
    cohort_size: int,
    cohort_kind: str,
    waiting: np.ndarray,
) -> BatchDecision:
    """Decisions of many trials from their recommended levels (the array form of :func:`compose_decision`).

    Parameters
    ----------
    rules : tuple of str
        The design's rules, ``name + "." + r`` for ``r`` in :data:`MODEL_RULES`.
    current : int array (trials,)
        0-based current level; -1 before the first patient (start at ``start_dose``).
    recommended : int array (trials,)
        0-based recommended level; -1 where no level is acceptable (stop).
    start_dose : int
        1-based level of the first cohort.
    cohort_size : int
        Patients per cohort.
    cohort_kind : {"exact", "up_to"}
        How the cohort size is read (see :class:`~doseflow.core.Decision`).
    waiting : bool array (trials,)
        Trials that wait for pending outcomes (cohort size 0) at the current level.
    """
    current = np.asarray(current, dtype=np.int64)
    fresh = current < 0
    stop = ~fresh & ~waiting & (recommended < 0)
    nxt = np.where(fresh, start_dose - 1, np.where(waiting, current, recommended)).astype(np.int64)
    action = np.where(nxt > current, ACTION_CODES["escalate"],
                      np.where(nxt < current, ACTION_CODES["de-escalate"], ACTION_CODES["stay"]))
    rule = np.where(nxt > current, _R["escalate"], np.where(nxt < current, _R["deescalate"], _R["stay"]))
    action = np.where(fresh | waiting, ACTION_CODES["stay"], action)
    rule = np.select([fresh, waiting, stop], [_R["start"], _R["wait_pending"], _R["stop_no_admissible"]], rule)
    size = np.where(waiting, 0, cohort_size)
    kind = np.where(waiting, KIND_CODES["wait"], KIND_CODES[cohort_kind])
    action = np.where(stop, ACTION_CODES["stop"], action)
    nxt = np.where(stop, -1, nxt)
    size = np.where(stop, 0, size)
    kind = np.where(stop, -1, kind)
    return BatchDecision(action.astype(np.int64), nxt, size.astype(np.int64), kind.astype(np.int64),
                         rule.astype(np.int64), rules)
