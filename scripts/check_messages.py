"""Fail when translatable strings are not extracted, not translated, or not compiled.

Extracts the messages again into a scratch copy of the tree's locale folder and compares
them with the committed .po files (ignoring the creation date), then requires every Dutch
and French message to be translated and not fuzzy, and every committed .mo to be the
compiled form of its .po. Needs GNU gettext (msgfmt, xgettext), as ``make messages`` does.
"""

from __future__ import annotations

import filecmp
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "locale"
LANGUAGES = ("nl", "fr", "en")
MUST_TRANSLATE = ("nl", "fr")
DOMAINS = ("django", "djangojs")


def _strip_header_dates(text: str) -> str:
    return re.sub(r'^"POT-Creation-Date:.*\\n"\n', "", text, flags=re.MULTILINE)


def main() -> int:
    for tool in ("msgfmt", "xgettext", "msgmerge"):
        if shutil.which(tool) is None:
            print(f"check_messages: {tool} not found; install GNU gettext (apt-get install gettext).")
            return 2
    problems: list[str] = []
    backup = Path(tempfile.mkdtemp()) / "locale"
    shutil.copytree(LOCALE, backup)
    try:
        subprocess.run(["make", "-s", "messages"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        for lang in LANGUAGES:
            for domain in DOMAINS:
                new = LOCALE / lang / "LC_MESSAGES" / f"{domain}.po"
                old = backup / lang / "LC_MESSAGES" / f"{domain}.po"
                if not new.exists():
                    continue
                if not old.exists() or _strip_header_dates(new.read_text()) != _strip_header_dates(old.read_text()):
                    problems.append(f"{new.relative_to(ROOT)} is not up to date: run `make messages` and translate")
                mo_new = new.with_suffix(".mo")
                mo_old = old.with_suffix(".mo")
                if not mo_old.exists() or not filecmp.cmp(mo_new, mo_old, shallow=False):
                    problems.append(f"{mo_new.relative_to(ROOT)} is not compiled from its .po: run `make messages`")
        for lang in MUST_TRANSLATE:
            for domain in DOMAINS:
                po = backup / lang / "LC_MESSAGES" / f"{domain}.po"
                if not po.exists():
                    continue
                stats = subprocess.run(
                    ["msgfmt", "--statistics", "-o", "/dev/null", str(po)], capture_output=True, text=True, check=True
                ).stderr
                if "untranslated" in stats or "fuzzy" in stats:
                    problems.append(f"locale/{lang}/LC_MESSAGES/{domain}.po: {stats.strip()}")
    finally:
        shutil.rmtree(LOCALE)
        shutil.copytree(backup, LOCALE)
    if problems:
        print("Translations are not in step with the code:")
        for problem in problems:
            print(f"  - {problem}")
        return 1
    print("Translations: extracted, translated (nl, fr) and compiled.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
