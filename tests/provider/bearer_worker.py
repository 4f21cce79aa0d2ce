"""One process of the bearer-token herd: a bearer-auth client and a SigV4 client for one sso-session.

Creates both clients, prints ``ready``, waits on ``--barrier-fd``, then calls
CodeCatalyst VerifySession (bearer token) and STS GetCallerIdentity (SigV4,
role credentials) in ``--order`` and reports each outcome as one JSON line.
The package is active as installed (no ``register`` call); ``--without-our-token-chain``
takes our token provider out of the session's chain, to measure botocore's
own token provider beside our credential provider.
"""

from __future__ import annotations

import argparse
import json
import os
from typing import Any, Dict, List


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--profile", default="dev")
    parser.add_argument("--bearer-url", required=True)
    parser.add_argument("--bearer-ca", required=True, help="the bearer service's certificate")
    parser.add_argument("--sts-url", required=True)
    parser.add_argument("--order", choices=["bearer-first", "sigv4-first"], default="bearer-first")
    parser.add_argument("--without-our-token-chain", action="store_true")
    parser.add_argument("--barrier-fd", type=int)
    args = parser.parse_args()

    import boto3

    session = boto3.Session(profile_name=args.profile)
    chain = session._session.get_component("token_provider")
    if args.without_our_token_chain:
        chain._providers[:] = [p for p in chain._providers if p.METHOD != "botocore-sso-provider"]
    bearer = session.client(
        "codecatalyst", region_name="us-east-1", endpoint_url=args.bearer_url, verify=args.bearer_ca
    )
    sigv4 = session.client("sts", region_name="us-east-1", endpoint_url=args.sts_url)
    calls = {
        "bearer": lambda: bearer.verify_session()["identity"],
        "sigv4": lambda: sigv4.get_caller_identity()["Account"],
    }
    steps = ["bearer", "sigv4"] if args.order == "bearer-first" else ["sigv4", "bearer"]
    print("ready", flush=True)
    if args.barrier_fd is not None:
        os.read(args.barrier_fd, 1)
    results: List[Dict[str, Any]] = []
    for step in steps:
        try:
            results.append({"call": step, "ok": True, "value": calls[step]()})
        except Exception as err:  # what the caller would see, recorded instead of raised
            results.append({"call": step, "ok": False, "error": f"{type(err).__name__}: {err}"})
    methods = [provider.METHOD for provider in chain._providers]
    print(json.dumps({"results": results, "token_chain": methods}), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
