"""Flag pinned dependencies that are behind the newest patch release of their line.

`make check-pins`. Reads every ``name==version`` pin of ``requirements/*.txt`` and asks the package
index (``pip index versions``, so pip's own index settings apply) which releases exist. A pin is
behind when a newer final release with the same major and minor version exists (Django 5.2.8 when
5.2.19 is out): those are bug and security fixes to take. Newer minor or major releases are listed
as information only: they are upgraded deliberately, after reading their changelogs.

Needs the network, so it is not part of the test suite or ``make lint``. Exit status 1 when a pin
is behind, 2 when the index could not be read for a package.
"""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from packaging.version import InvalidVersion, Version

ROOT = Path(__file__).resolve().parent.parent
REQUIREMENTS = sorted((ROOT / "requirements").glob("*.txt"))
PIN = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?\s*==\s*([^\s;#]+)")


@dataclass(frozen=True)
class Verdict:
    name: str
    pinned: Version
    newest_patch: Version  # the newest release of the pin's line (the pin itself when it is newest)
    newest: Version  # the newest release of all

    @property
    def behind(self) -> bool:
        return self.newest_patch > self.pinned

    @property
    def newer_line(self) -> bool:
        return self.newest > self.newest_patch


def line(version: Version) -> tuple[int, int]:
    """The release line: major and minor (5.2 for 5.2.19; 0.31 for 0.31.0; 2.17 for 2.17)."""
    release = (*version.release, 0)
    return release[0], release[1]


def final_versions(texts) -> list[Version]:
    """The final releases among version strings: no pre-releases or development releases, nothing
    the index lists that is no version."""
    versions = []
    for text in texts:
        try:
            version = Version(text)
        except InvalidVersion:
            continue
        if not version.is_prerelease and not version.is_devrelease:
            versions.append(version)
    return versions


def judge(name: str, pinned: str, available) -> Verdict:
    pin = Version(pinned)
    versions = final_versions(available)
    same_line = [v for v in versions if line(v) == line(pin)]
    return Verdict(
        name=name,
        pinned=pin,
        newest_patch=max([pin, *same_line]),
        newest=max([pin, *versions]),
    )


def pins(paths=REQUIREMENTS) -> list[tuple[str, str]]:
    found = []
    for path in paths:
        for text in Path(path).read_text(encoding="utf-8").splitlines():
            match = PIN.match(text)
            if match:
                found.append((match.group(1), match.group(3)))
    return found


def parse_index_answer(text: str) -> list[str]:
    """The versions of ``pip index versions``' answer ("Available versions: 5.2.19, 5.2.18, ...")."""
    match = re.search(r"^Available versions:\s*(.+)$", text, re.M)
    return [part.strip() for part in match.group(1).split(",")] if match else []


def available_versions(name: str) -> list[str]:
    answer = subprocess.run(
        [sys.executable, "-m", "pip", "index", "versions", name, "--disable-pip-version-check"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    return parse_index_answer(answer.stdout)


def report(verdicts: list[Verdict]) -> list[str]:
    lines = []
    for verdict in verdicts:
        major, minor = line(verdict.pinned)
        if verdict.behind:
            lines.append(
                f"BEHIND  {verdict.name}=={verdict.pinned}: {verdict.newest_patch} is the newest of {major}.{minor}"
            )
        elif verdict.newer_line:
            lines.append(f"info    {verdict.name}=={verdict.pinned}: newest of its line; {verdict.newest} is out")
    return lines


def main() -> int:
    verdicts, unread = [], []
    for name, pinned in pins():
        available = available_versions(name)
        if not available:
            unread.append(name)
            continue
        verdicts.append(judge(name, pinned, available))
    for text in report(verdicts):
        print(text)
    for name in unread:
        print(f"UNREAD  {name}: the package index gave no versions", file=sys.stderr)
    behind = sum(v.behind for v in verdicts)
    print(f"{len(verdicts)} pins read, {behind} behind the newest patch of their line.")
    if unread:
        return 2
    return 1 if behind else 0


if __name__ == "__main__":
    sys.exit(main())
