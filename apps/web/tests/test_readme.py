"""The README promises two commands and lists the demo logins: keep it true."""

from pathlib import Path

from django.conf import settings

from apps.demo.logins import DEMO_PASSWORD, LOGINS


def test_readme_lists_every_demo_login_and_the_two_commands():
    readme = (Path(settings.BASE_DIR) / "README.md").read_text()
    assert "make run" in readme and "make test" in readme
    assert DEMO_PASSWORD in readme
    for login in LOGINS:
        assert f"`{login.username}`" in readme, login.username
