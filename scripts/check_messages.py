"""Fail when translatable strings are not extracted, not translated, or not compiled.

First, no module under ``apps/`` may call a translation function by another name
(``from django.utils.translation import gettext_noop as N_``, or ``N_ = gettext_noop``):
``makemessages`` only finds the standard names, so strings marked that way never reach the
catalogues and go out in English. Only ``gettext`` and ``gettext_lazy`` may be called ``_``.

Then extracts the messages again into a scratch copy of the tree's locale folder and compares
them with the committed .po files (ignoring the creation date), then requires every Dutch
and French message to be translated and not fuzzy, and every committed .mo to be the
compiled form of its .po. Needs GNU gettext (msgfmt, xgettext), as ``make messages`` does.
"""

from __future__ import annotations

import ast
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


TRANSLATION_MODULE = "django.utils.translation"
TRANSLATION_FUNCTIONS = {
    "gettext",
    "gettext_lazy",
    "gettext_noop",
    "ngettext",
    "ngettext_lazy",
    "pgettext",
    "pgettext_lazy",
    "npgettext",
    "npgettext_lazy",
}
# The one other name makemessages extracts, for the one-argument functions that translate.
ALLOWED_ALIASES = {"gettext": {"_"}, "gettext_lazy": {"_"}}


def renamed_translation_functions(path: Path, source: str | None = None) -> list[str]:
    """Each place in a module where a translation function gets a name makemessages does not
    extract, as ``path:line: ...``."""
    try:
        tree = ast.parse(source if source is not None else path.read_text(encoding="utf-8"), filename=str(path))
    except SyntaxError as exc:
        return [f"{path}:{exc.lineno}: cannot be parsed ({exc.msg})"]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == TRANSLATION_MODULE:
            for alias in node.names:
                renamed = alias.name in TRANSLATION_FUNCTIONS and alias.asname not in (None, alias.name)
                if renamed and alias.asname not in ALLOWED_ALIASES.get(alias.name, set()):
                    found.append(
                        f"{path}:{node.lineno}: {alias.name} imported as {alias.asname}; "
                        f"makemessages does not extract {alias.asname}(...): use {alias.name}(...)"
                    )
        elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Name | ast.Attribute):
            name = node.value.id if isinstance(node.value, ast.Name) else node.value.attr
            if name in TRANSLATION_FUNCTIONS:
                targets = ", ".join(ast.unparse(t) for t in node.targets)
                found.append(
                    f"{path}:{node.lineno}: {name} assigned to {targets}; "
                    f"makemessages does not extract {targets}(...): use {name}(...)"
                )
    return found


def check_names(root: Path = ROOT) -> list[str]:
    """Every renamed translation function in the modules under ``apps/``."""
    problems = []
    for path in sorted((root / "apps").rglob("*.py")):
        problems += renamed_translation_functions(path.relative_to(root), path.read_text(encoding="utf-8"))
    return problems


def _strip_header_dates(text: str) -> str:
    return re.sub(r'^"POT-Creation-Date:.*\\n"\n', "", text, flags=re.MULTILINE)


def main() -> int:
    for tool in ("msgfmt", "xgettext", "msgmerge"):
        if shutil.which(tool) is None:
            print(f"check_messages: {tool} not found; install GNU gettext (apt-get install gettext).")
            return 2
    problems: list[str] = check_names()
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
