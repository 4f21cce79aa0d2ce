"""Every path decides alike: the provider, the commands and the server, on the same files.

Hypothesis generates a state (which profile is asked for, by ``--profile`` or
the environment, and what the token and role-credential files hold; see
``states.py``) and runs each path on it from the same files (``paths.py``):

- the credential paths (boto3 with the provider, warm ``credential-process``,
  ``credential-process`` forced onto the full path, ``export``, ``serve``
  answering botocore's container provider) must all succeed with credentials
  from the same source after the same requests to the fake, or all fail with
  the same kind of error; a command fails with one sentence and exit status 1;
- ``status --short`` must say what the provider then does: usable (no
  CreateToken, success), ``refresh`` (one CreateToken, success), expired or
  logged out (an error a login fixes), or, for a profile that is not its
  business, one sentence and no SSO cache used; ``status --format json``
  must say the same.

Each kind of disagreement raises its own exception class, so hypothesis
reports a minimal example of each rather than only of the first it meets.
The named regression tests for the issue's table are in test_table_rows.py.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.conftest import needs_endpoint_variables

from .agreement import Disagreement, check, check_credential_paths_agree
from .conftest import World
from .paths import Outcome
from .states import Selection, State, states

EXAMPLES = settings(
    max_examples=15,
    deadline=None,
    derandomize=True,
    database=None,
    phases=(Phase.explicit, Phase.generate, Phase.shrink),  # no "explain": it reruns every path many times
    # ``world`` (HOME, the fake, moto) is built once per test; every path rewrites the files itself.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

pytestmark = [needs_endpoint_variables]


# -- the tests -------------------------------------------------------------------------

sso_selections = st.sampled_from(
    (
        Selection(explicit="dev"),
        Selection(explicit="legacy"),
        Selection(aws_profile="dev"),
        Selection(explicit="chained"),
    )
)


@EXAMPLES
@given(state=states(sso_selections))
def test_every_path_agrees_on_the_cache_files(world: World, state: State) -> None:
    """SSO profiles (and one assume-role on top of one) with every kind of token and role file."""
    check(state, *world.run(state))


@EXAMPLES
@given(state=states())
def test_every_path_agrees_on_which_profile_answers(world: World, state: State) -> None:
    """--profile, AWS_PROFILE and AWS_DEFAULT_PROFILE (unset, empty, any name) over every kind of profile."""
    check(state, *world.run(state))


def test_the_checks_see_a_disagreement(world: World) -> None:
    """The net holds: a provider outcome unlike the others is reported, not waved through."""
    state = State(selection=Selection(explicit="dev"))
    outcomes, _ = world.run(state)
    broken = Outcome("provider", None, "not logged in", 0, 0, "There is no SSO login")
    with pytest.raises(Disagreement, match="where the provider fails"):
        check_credential_paths_agree(state, [broken, *outcomes[1:]])
