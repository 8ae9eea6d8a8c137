"""The demo's staff logins, as data: `load_demo` creates them, `make run` and the README print them.

Every demo login has the same published password. They exist only in a database the demo was
loaded into; ``load_demo --reset`` deletes and recreates them. The superuser, coordinators and
police log in with a second factor too: an authenticator app with the published
``DEMO_TOTP_SECRET``, which is refused with ``DEBUG`` off (apps/accounts/second_factor.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from apps.accounts.second_factor import DEMO_TOTP_SECRET

# Published on purpose: it opens only the demo logins, in a database the demo was loaded into.
DEMO_PASSWORD = "buurtwacht-demo"  # noqa: S105


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str  # superuser, coordinator, police, admin or co-admin
    description: str
    # What the role applies to: a group slug (admin, co-admin), a municipality slug
    # (coordinator) or a police zone name (police); empty for the superuser.
    scope: str = ""

    @property
    def second_factor(self) -> bool:
        """Roles that must log in with a second factor get the demo's authenticator app."""
        return self.role in ("superuser", "coordinator", "police")


LOGINS: tuple[DemoLogin, ...] = (
    DemoLogin("beheer", "superuser", "Operator of the installation: everything, also /django-admin/"),
    DemoLogin(
        "gemeente-heerlo", "coordinator", "Coordinator of Heerlo (BE): all 8 groups, areas, members, requests", "heerlo"
    ),
    DemoLogin(
        "politie-heerlo",
        "police",
        "Officer of PZ Kanton Heerlo: groups and their admins, no members' data",
        "PZ Kanton Heerlo",
    ),
    DemoLogin("gemeente-maasveld", "coordinator", "Coordinator of Maasveld (NL): its 2 groups", "maasveld"),
    DemoLogin(
        "beheerder-merkel",
        "admin",
        "Admin of Merkel-Bovenhoek, the largest group (85); 2 applications wait (1 more awaits e-mail confirmation)",
        "merkel-bovenhoek",
    ),
    DemoLogin("cobeheerder-merkel", "co-admin", "Co-admin of Merkel-Bovenhoek", "merkel-bovenhoek"),
    DemoLogin(
        "beheerder-centrum",
        "admin",
        "Admin of Heerlo-Centrum; 1 application waits (1 more awaits e-mail confirmation)",
        "heerlo-centrum",
    ),
    DemoLogin("beheerder-vennemaal", "admin", "Admin of Vennemaal (two sub-municipalities)", "vennemaal"),
    DemoLogin(
        "beheerder-horsendaal",
        "admin",
        "Admin of Horsendaal en Opheerlo (two sub-municipalities)",
        "horsendaal-en-opheerlo",
    ),
    DemoLogin(
        "beheerder-wolderkoven",
        "admin",
        "Admin of Wolderkoven en Bastelingen (two sub-municipalities)",
        "wolderkoven-en-bastelingen",
    ),
    DemoLogin("beheerder-schelvoort", "admin", "Admin of Schelvoort", "schelvoort"),
    DemoLogin("beheerder-duifkerke", "admin", "Admin of Duifkerke", "duifkerke"),
    DemoLogin("beheerder-gelmerode", "admin", "Admin of Gelmerode", "gelmerode"),
    DemoLogin("beheerder-oud-maasveld", "admin", "Admin of Oud-Maasveld (NL); 1 application waits", "oud-maasveld"),
    DemoLogin("beheerder-kaldenveld", "admin", "Admin of Kaldenveld (NL)", "kaldenveld"),
)


def format_table() -> str:
    """The logins as a plain-text table, for terminals and the README."""
    rows = [("username", "role", "what it shows")] + [(x.username, x.role, x.description) for x in LOGINS]
    widths = [max(len(row[i]) for row in rows) for i in range(2)]
    lines = [f"{u:<{widths[0]}}  {r:<{widths[1]}}  {d}" for u, r, d in rows]
    lines.insert(1, "-" * max(len(line) for line in lines))
    lines.append(f"\nPassword for every demo login: {DEMO_PASSWORD}")
    with_code = ", ".join(x.username for x in LOGINS if x.second_factor)
    lines.append(
        f"Second step for {with_code}: a code of an authenticator app to which you add the key\n"
        f"{DEMO_TOTP_SECRET} (time-based, 6 digits, 30 seconds). Works only with DEBUG on."
    )
    return "\n".join(lines)
