"""Cache files hold exactly the bytes the AWS CLI v2 would write for the same content."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import botocore.utils
import pytest

from botocore_sso_provider.store.cache import JSONFileCache

pytestmark = pytest.mark.unit

TOKEN = {
    "startUrl": "https://fake-idc.awsapps.com/start",
    "region": "us-east-1",
    "accessToken": "aoa-token",
    "expiresAt": "2026-11-23T10:00:00Z",
    "clientId": "client-ü",
    "clientSecret": "secret",
    "registrationExpiresAt": "2027-02-21T10:00:00Z",
    "refreshToken": "aor-token",
    "unknownField": {"nested": [1, 2.5, None, True]},
}

ROLE = {
    "ProviderType": "sso",
    "Credentials": {
        "AccessKeyId": "ASIAEXAMPLE",
        "SecretAccessKey": "secret",
        "SessionToken": "token",
        "Expiration": "2026-11-23T10:00:00Z",
        "AccountId": "111111111111",
    },
}


def test_our_bytes_are_json_dumps_with_default_separators_and_no_newline(tmp_path: Path) -> None:
    cache = JSONFileCache(str(tmp_path / "cache"))
    for key, data in (("token", TOKEN), ("role", ROLE)):
        cache.write(key, data)
        written = (tmp_path / "cache" / f"{key}.json").read_bytes()
        assert written == json.dumps(data).encode("utf-8")
        assert b'", "' in written and b'": "' in written and not written.endswith(b"\n")


def test_our_bytes_equal_botocores_own_json_file_cache(tmp_path: Path) -> None:
    ours = JSONFileCache(str(tmp_path / "ours"))
    theirs = botocore.utils.JSONFileCache(str(tmp_path / "theirs"))  # the class the CLI v2 writes with
    for key, data in (("token", TOKEN), ("role", ROLE)):
        ours.write(key, data)
        theirs[key] = data
        assert (tmp_path / "ours" / f"{key}.json").read_bytes() == (
            tmp_path / "theirs" / f"{key}.json"
        ).read_bytes()


def test_the_files_stay_private(tmp_path: Path) -> None:
    directory = tmp_path / "new" / "cache"
    JSONFileCache(str(directory)).write("token", TOKEN)
    assert stat.S_IMODE(os.stat(directory).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(directory / "token.json").st_mode) == 0o600
