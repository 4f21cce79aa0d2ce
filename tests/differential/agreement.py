"""What "the paths agree" means, as checks that raise one exception class per kind of disagreement.

Hypothesis tells failures apart by their exception's class (and line), so
each kind of disagreement gets a class of its own: the test then reports a
minimal example of every kind it meets, not only of the first.
"""

from __future__ import annotations

from typing import Dict, List, Sequence, Tuple

from .paths import LOGIN_NEEDED_KINDS, Outcome, StatusAnswer, error_kind
from .states import ASSUME_ROLE_PROFILES, State

SSO_SOURCES = ("corp role file", "legacy role file", "fetched from the portal")
"""Where credentials come from when the SSO caches answered."""


class Disagreement(AssertionError):
    """Two paths answered one state differently."""


_KINDS: Dict[str, type] = {}


def disagreement(kind: str, state: State, details: Sequence[object]) -> Disagreement:
    """An error whose class is ``kind``'s own: hypothesis tells failures apart by their class."""
    cls = _KINDS.setdefault(kind, type("Disagreement", (Disagreement,), {"__doc__": kind}))
    lines = "\n  ".join(str(detail) for detail in details)
    return cls(f"{kind}\n  state: {state}\n  {lines}")


def check(state: State, outcomes: List[Outcome], status: StatusAnswer) -> None:
    check_commands_fail_in_one_sentence(state, outcomes)
    check_credential_paths_agree(state, outcomes)
    check_assume_role_never_from_sso_caches(state, outcomes)
    check_status_says_what_the_provider_does(state, outcomes[0], status)
    check_status_agrees_with_itself(state, status)


def check_commands_fail_in_one_sentence(state: State, outcomes: List[Outcome]) -> None:
    for outcome in outcomes:
        if outcome.exit_status is None or outcome.source is not None:
            continue  # not a command, or it printed credentials
        lines = outcome.stderr.strip().splitlines()
        if outcome.exit_status == 0 or len(lines) != 1 or "Traceback" in outcome.stderr:
            raise disagreement(f"{outcome.path} fails without one sentence and exit 1", state, [outcome])
        if outcome.error == "crash":
            raise disagreement(f"{outcome.path} crashes", state, [outcome])


def check_credential_paths_agree(state: State, outcomes: List[Outcome]) -> None:
    provider = outcomes[0]
    expected = comparable(state, provider)
    others: Dict[Tuple[object, ...], List[Outcome]] = {}
    for outcome in outcomes[1:]:
        if comparable(state, outcome) != expected:
            others.setdefault(comparable(state, outcome), []).append(outcome)
    for group in others.values():
        names = ", ".join(outcome.path for outcome in group)
        kind = f"{names}: {summary(group[0])} where the provider {summary(provider)}"
        if summary(group[0]) == summary(provider):
            kind = f"{names}: other requests to the fake than the provider's"
        raise disagreement(kind, state, outcomes)


def check_assume_role_never_from_sso_caches(state: State, outcomes: List[Outcome]) -> None:
    if state.selection.botocore_name() not in ASSUME_ROLE_PROFILES:
        return
    for outcome in outcomes:
        if outcome.source in SSO_SOURCES:
            raise disagreement(
                f"{outcome.path} answers an assume-role profile from the SSO cache", state, outcomes
            )


def check_status_says_what_the_provider_does(state: State, provider: Outcome, status: StatusAnswer) -> None:
    verdict = status.verdict
    provider_kind = comparable(state, provider)[1] if provider.source is None else None
    if verdict == "usable":
        agrees = provider.source is not None and provider.creates == 0
    elif verdict == "refresh":
        agrees = provider.source is not None and provider.creates == 1
    elif verdict == "login needed":
        agrees = provider.source is None and provider.error in LOGIN_NEEDED_KINDS
    else:
        if status.exit_status == 0 or len(status.stderr.strip().splitlines()) != 1:
            raise disagreement("status --short fails without one sentence and exit 1", state, [status])
        status_kind = error_kind(status.stderr)
        if status_kind.startswith("profile not found"):
            agrees = provider_kind == status_kind
        else:
            agrees = provider.source not in SSO_SOURCES
    if not agrees:
        raise disagreement(
            f"status --short says {verdict!r}, the provider {summary(provider)}", state, [status, provider]
        )


def check_status_agrees_with_itself(state: State, status: StatusAnswer) -> None:
    if status.line and (status.exit_status == 0) != (status.verdict != "login needed"):
        raise disagreement("status --short: the line and the exit status disagree", state, [status])
    profile = (status.json_document or {}).get("profile")
    json_usable = profile.get("usable") if isinstance(profile, dict) else None
    short_usable = status.exit_status == 0 if status.line else None
    if status.json_exit_status != status.exit_status or json_usable != short_usable:
        raise disagreement("status --format json and status --short disagree", state, [status])


def comparable(state: State, outcome: Outcome) -> Tuple[object, ...]:
    """``outcome.verdict``, where botocore's two words for "nothing named, no default" count as one.

    With no profile named and no ``[default]``, botocore's chain finds no
    credentials, while a session asked for "default" says it does not exist.
    """
    verdict = outcome.verdict
    if verdict == ("fails", "no credentials") and state.selection.botocore_name() is None:
        return ("fails", "profile not found (default)")
    return verdict


def summary(outcome: Outcome) -> str:
    if outcome.source is None:
        return f"fails ({outcome.error})"
    return f"succeeds from the {outcome.source}"
