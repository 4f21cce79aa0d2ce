"""Check the built artefacts: what the wheel holds, and that the sdist builds the same wheel.

Usage: python .ci/check_dists.py SDIST WHEEL_FROM_SDIST WHEEL_FROM_TREE

Exits 1 with one line per problem. Runs on the Python that runs .ci/run.
"""

from __future__ import annotations

import ast
import configparser
import re
import sys
import tarfile
import zipfile
from email.message import Message
from email.parser import HeaderParser
from pathlib import Path, PurePosixPath


def setup_py_constant(name: str) -> str:
    """A string constant of setup.py (the .pth line it writes), read without running setup.py."""
    tree = ast.parse(Path(__file__).resolve().parents[1].joinpath("setup.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and [getattr(t, "id", None) for t in node.targets] == [name]:
            value = ast.literal_eval(node.value)
            assert isinstance(value, str)
            return value
    raise LookupError(f"setup.py has no {name}")


PTH_LINE = setup_py_constant("PTH_LINE")
ENTRY_POINTS = {
    ("console_scripts", "botocore-sso"): "botocore_sso_provider.cli.main:main",
    (
        "botocore.credential_providers",
        "sso",
    ): "botocore_sso_provider.provider.credentials:SSOCredentialProvider",
}
SDIST_MUST_HAVE = ("setup.py", "setup.cfg", "pyproject.toml", "README.md", "CHANGELOG.md", "LICENSE")
NEVER_IN_A_WHEEL = {"tests", "benchmarks", "conftest.py", ".ci", "__pycache__"}


def wheel_problems(path: str) -> list[str]:
    problems = []
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        [dist_info] = {name.split("/")[0] for name in names if name.split("/")[0].endswith(".dist-info")}
        tops = {name.split("/")[0] for name in names}
        expected = {"botocore_sso_provider", "_botocore_sso_provider_startup.py", "botocore_sso_provider.pth"}
        if tops - {dist_info} != expected:
            problems.append(f"top level is {sorted(tops - {dist_info})}, expected {sorted(expected)}")
        for name in names:
            if NEVER_IN_A_WHEEL & set(PurePosixPath(name).parts):
                problems.append(f"{name} does not belong in a wheel")
        pth = (
            archive.read("botocore_sso_provider.pth").decode()
            if "botocore_sso_provider.pth" in names
            else None
        )
        if pth not in (None, PTH_LINE):
            problems.append("botocore_sso_provider.pth is not the line setup.py writes (PTH_LINE)")
        if pth is not None and not pth.startswith("import "):
            problems.append("botocore_sso_provider.pth does not start with 'import ': site would not run it")
        for needed in (
            "botocore_sso_provider.pth",
            "botocore_sso_provider/py.typed",
            "botocore_sso_provider/__main__.py",
        ):
            if needed not in names:
                problems.append(f"{needed} is missing")
        entry_points = configparser.ConfigParser(delimiters=("=",))
        entry_points.read_string(archive.read(f"{dist_info}/entry_points.txt").decode())
        for (group, name), target in ENTRY_POINTS.items():
            found = entry_points.get(group, name, fallback=None)
            if found != target:
                problems.append(f"entry point {group}: {name} is {found!r}, expected {target!r}")
        recorded = {line.split(",")[0] for line in archive.read(f"{dist_info}/RECORD").decode().splitlines()}
        if recorded != set(names) - {name for name in names if name.endswith("/")}:
            problems.append("RECORD does not list exactly the wheel's files")
        metadata = HeaderParser().parsestr(archive.read(f"{dist_info}/METADATA").decode())
    problems += metadata_problems(metadata)
    return problems


def metadata_problems(metadata: Message) -> list[str]:
    """Classifiers name every Python from the Requires-Python floor up, one minor after another."""
    requires_python = metadata["Requires-Python"]
    floor = re.fullmatch(r">=3\.(\d+)", requires_python or "")
    if not floor:
        return [f"Requires-Python is {requires_python!r}, expected >=3.N"]
    claimed = sorted(
        int(found.group(1))
        for classifier in metadata.get_all("Classifier") or ()
        if (found := re.fullmatch(r"Programming Language :: Python :: 3\.(\d+)", classifier))
    )
    expected = list(range(int(floor.group(1)), int(floor.group(1)) + len(claimed)))
    if not claimed or claimed != expected:
        return [f"classifiers claim Python 3.{claimed}, expected 3.{expected[0] if expected else '?'} and on"]
    return []


def record(path: str) -> list[str]:
    with zipfile.ZipFile(path) as archive:
        [name] = [name for name in archive.namelist() if name.endswith(".dist-info/RECORD")]
        return sorted(archive.read(name).decode().splitlines())


def sdist_problems(path: str) -> list[str]:
    with tarfile.open(path) as archive:
        names = {PurePosixPath(name).relative_to(PurePosixPath(name).parts[0]) for name in archive.getnames()}
    names.discard(PurePosixPath("."))
    problems = [
        f"the sdist has no {needed}" for needed in SDIST_MUST_HAVE if PurePosixPath(needed) not in names
    ]
    if PurePosixPath("tests/conftest.py") not in names:
        problems.append("the sdist has no tests")
    problems += [f"{name} does not belong in the sdist" for name in names if "__pycache__" in name.parts]
    return problems


def main(sdist: str, wheel_from_sdist: str, wheel_from_tree: str) -> int:
    problems = sdist_problems(sdist) + wheel_problems(wheel_from_sdist)
    from_sdist, from_tree = record(wheel_from_sdist), record(wheel_from_tree)
    if from_sdist != from_tree:
        differ = sorted(set(from_sdist) ^ set(from_tree))
        problems.append("the sdist's wheel and the tree's differ in: " + ", ".join(differ))
    for problem in problems:
        print(f"check_dists: {problem}")
    if not problems:
        print(f"check_dists: {sdist}, {wheel_from_sdist}: OK; the sdist's wheel is the tree's, file for file")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
