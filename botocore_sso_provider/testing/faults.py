"""Planned misbehaviour: scripted one-shot errors, random 500s and throttling, latency.

Kept apart from the identity state so a fault never changes what the service
remembers: a failed request is answered before the state is touched. Random
faults come from one seeded generator, so a failing test can be replayed.
"""

from __future__ import annotations

import random
import threading
from collections import deque
from dataclasses import dataclass
from typing import Deque, Dict, Optional, Tuple

from .service_errors import error_kind


def _check_rate(name: str, value: float) -> float:
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must be between 0 and 1, got {value!r}")
    return float(value)


def _check_latency(value: float) -> float:
    if value < 0:
        raise ValueError(f"latency must not be negative, got {value!r}")
    return float(value)


@dataclass(frozen=True)
class RawAnswer:
    """An answer that is not the service's: any status, body and headers, or a cut connection.

    ``cut_after`` sends that many bytes of the body (under the full
    Content-Length), then closes the connection: a server dying mid-answer.
    ``date`` replaces the Date header (a proxy's or a broken server's clock).
    """

    status: int = 200
    body: bytes = b"{}"
    content_type: Optional[str] = "application/json"
    headers: Tuple[Tuple[str, str], ...] = ()
    cut_after: Optional[int] = None
    date: Optional[str] = None


class FaultPlan:
    """Decides, per request, how long to wait and which error (if any) to answer with."""

    def __init__(
        self,
        *,
        error_rate: float = 0.0,
        throttle_rate: float = 0.0,
        latency: float = 0.0,
        seed: Optional[int] = None,
    ) -> None:
        self._lock = threading.Lock()
        self._random = random.Random(seed)  # noqa: S311 - reproducible test faults, not crypto
        self._scripted: Dict[str, Deque[str]] = {}
        self._answers: Dict[str, Deque[RawAnswer]] = {}
        self._error_rate = 0.0
        self._throttle_rate = 0.0
        self._latency = 0.0
        self.set(error_rate=error_rate, throttle_rate=throttle_rate, latency=latency)

    def set(
        self,
        *,
        error_rate: Optional[float] = None,
        throttle_rate: Optional[float] = None,
        latency: Optional[float] = None,
    ) -> None:
        """Change the given knobs; ``None`` leaves a knob as it is."""
        with self._lock:
            new_error = self._error_rate if error_rate is None else _check_rate("error_rate", error_rate)
            new_throttle = (
                self._throttle_rate if throttle_rate is None else _check_rate("throttle_rate", throttle_rate)
            )
            if new_error + new_throttle > 1.0:
                raise ValueError("error_rate + throttle_rate must not exceed 1")
            self._error_rate, self._throttle_rate = new_error, new_throttle
            if latency is not None:
                self._latency = _check_latency(latency)

    def inject(self, operation: str, error: str, times: int = 1) -> None:
        """Make the next ``times`` requests of ``operation`` fail with ``error``."""
        error_kind(error)  # ValueError for a name the services do not know
        if times < 1:
            raise ValueError(f"times must be at least 1, got {times!r}")
        with self._lock:
            self._scripted.setdefault(operation, deque()).extend([error] * times)

    def inject_answer(self, operation: str, answer: RawAnswer, times: int = 1) -> None:
        """Answer the next ``times`` requests of ``operation`` with ``answer`` instead of the service."""
        if times < 1:
            raise ValueError(f"times must be at least 1, got {times!r}")
        with self._lock:
            self._answers.setdefault(operation, deque()).extend([answer] * times)

    def next_answer(self, operation: str) -> Optional[RawAnswer]:
        """The raw answer scripted for this request of ``operation``, if any."""
        with self._lock:
            queue = self._answers.get(operation)
            return queue.popleft() if queue else None

    def clear(self) -> None:
        """Forget scripted errors and answers and switch random faults and latency off."""
        with self._lock:
            self._scripted.clear()
            self._answers.clear()
            self._error_rate = self._throttle_rate = self._latency = 0.0

    def next_fault(self, operation: str, throttle_error: str) -> Tuple[float, Optional[str]]:
        """(latency to add, error name or None) for one request of ``operation``.

        Scripted errors come first, in the order injected; then a random
        draw picks InternalServerException or ``throttle_error`` at the
        configured rates.
        """
        with self._lock:
            queue = self._scripted.get(operation)
            if queue:
                return self._latency, queue.popleft()
            if not (self._error_rate or self._throttle_rate):
                return self._latency, None
            draw = self._random.random()
            if draw < self._error_rate:
                return self._latency, "InternalServerException"
            if draw < self._error_rate + self._throttle_rate:
                return self._latency, throttle_error
            return self._latency, None
