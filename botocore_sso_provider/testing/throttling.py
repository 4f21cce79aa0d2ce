"""Throttling switches for single operations: "every Nth ListAccountRoles is a 429".

Random faults (``set_faults``) hit every operation alike; tests of code that
pages through hundreds of accounts want to throttle one operation on a
schedule they can count on, so a test can say how many requests were throttled.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass
from typing import Dict, Optional


@dataclass
class _Rule:
    every: int
    rate: float
    seen: int = 0


class Throttles:
    """Per-operation throttling: deterministic (``every``) or random (``rate``, seeded)."""

    def __init__(self, seed: Optional[int] = None) -> None:
        self._lock = threading.Lock()
        self._rules: Dict[str, _Rule] = {}
        self._random = random.Random(seed)  # noqa: S311 - reproducible test faults, not crypto
        self._throttled: Dict[str, int] = {}

    def set(self, operation: str, *, every: int = 0, rate: float = 0.0) -> None:
        """Throttle request 1, 1+every, 1+2*every... of ``operation``; or a share ``rate`` of them.

        ``every=1`` throttles every request; ``every=0`` and ``rate=0`` switch it off.
        """
        if every < 0:
            raise ValueError(f"every must not be negative, got {every!r}")
        if not 0.0 <= rate <= 1.0:
            raise ValueError(f"rate must be between 0 and 1, got {rate!r}")
        with self._lock:
            if not every and not rate:
                self._rules.pop(operation, None)
            else:
                self._rules[operation] = _Rule(every, float(rate))

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    def should_throttle(self, operation: str) -> bool:
        """Decide for one request; counts the throttled ones."""
        with self._lock:
            rule = self._rules.get(operation)
            if rule is None:
                return False
            rule.seen += 1
            hit = (rule.seen - 1) % rule.every == 0 if rule.every else self._random.random() < rule.rate
            if hit:
                self._throttled[operation] = self._throttled.get(operation, 0) + 1
            return hit

    def throttled_counts(self) -> Dict[str, int]:
        """How many requests of each operation were throttled by these switches."""
        with self._lock:
            return dict(self._throttled)
