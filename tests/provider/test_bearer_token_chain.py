"""Our token provider goes just before botocore's ``sso`` one, on any botocore's chain shape."""

from __future__ import annotations

from typing import Any, List

import botocore.session
import botocore.tokens
import pytest

from botocore_sso_provider.provider.bearer_token import SSOBearerTokenProvider, insert_token_provider

pytestmark = pytest.mark.unit


def methods(providers: List[Any]) -> List[str]:
    return [provider.METHOD for provider in providers]


def test_botocores_own_chain_gets_ours_just_before_sso_once() -> None:
    session = botocore.session.Session()
    chain = botocore.tokens.create_token_resolver(session)
    before = methods(chain._providers)
    insert_token_provider(chain, SSOBearerTokenProvider(session))
    insert_token_provider(chain, SSOBearerTokenProvider(session))
    after = methods(chain._providers)
    expected = list(before)
    expected.insert(before.index("sso"), SSOBearerTokenProvider.METHOD)
    assert after == expected


class ChainWithoutInsertBefore:
    """botocore before 1.43.37: the providers in ``_providers``, no public way to insert."""

    def __init__(self, providers: List[Any]) -> None:
        self._providers = providers


class ChainOfUnknownShape:
    """A future botocore that keeps its providers elsewhere."""

    providers = ()


def test_an_old_chain_without_insert_before_gets_ours_before_sso() -> None:
    session = botocore.session.Session()
    sso = botocore.tokens.SSOTokenProvider(session)
    chain = ChainWithoutInsertBefore([sso])
    insert_token_provider(chain, SSOBearerTokenProvider(session))
    assert methods(chain._providers) == [SSOBearerTokenProvider.METHOD, "sso"]


def test_a_chain_of_unknown_shape_is_left_as_botocore_built_it() -> None:
    chain = ChainOfUnknownShape()
    insert_token_provider(chain, SSOBearerTokenProvider(botocore.session.Session()))
    assert chain.providers == ()
