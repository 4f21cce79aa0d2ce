"""Draw docs/_static/herd-sequence.svg: N processes, one due token, one refresh and one fetch.

Run with any Python that has matplotlib (the docs venv has it):

    python docs/diagrams/herd_sequence.py

The output is committed; the documentation build does not run this script.
Each step is the code's (store/lock.py, store/cache_lock.py,
provider/credentials.py ``RoleCredentialFetcher._fetch_shared`` and
provider/token.py ``TokenProvider._refresh_or_fallback``); the page that
shows it, docs/explanation/caches-and-locks.md, says the same in words.
The SVG is reproducible: text stays text, no date, fixed ids.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("svg")

import matplotlib.pyplot as plt

OUT = Path(__file__).resolve().parent.parent / "_static" / "herd-sequence.svg"

plt.rcParams.update(
    {
        "svg.fonttype": "none",  # text stays text: selectable, small, no fonts embedded
        "svg.hashsalt": "herd-sequence",  # stable ids, so a redraw changes nothing
        "font.family": "sans-serif",
        "font.sans-serif": ["DejaVu Sans", "Helvetica", "Arial"],
        "font.size": 10,
    }
)

# Lifelines, left to right.
P1, P2, PN, ROLE, TOKEN, IDC = 1.0, 3.3, 5.6, 7.9, 10.0, 12.1
HEADS = {
    P1: "P1\nfirst at the role lock",
    P2: "P2\nsecond",
    PN: "P3 … PN\nthe rest",
    ROLE: "role cache\n~/.aws/cli/cache/\n<key>.json, .lock",
    TOKEN: "token cache\n~/.aws/sso/cache/\n<key>.json, .lock",
    IDC: "IAM Identity Center\nSSO OIDC, SSO portal",
}
TOP, BOTTOM = 0.0, -22.6

LABEL, SMALL, HEAD = 10.5, 9.5, 10.5

P1_HOLDS = "#d9e8fb"
P2_HOLDS = "#fde2c4"
WAIT_COLOUR = "#eeeeee"
CALL_COLOUR = "#1a5e1a"

fig, ax = plt.subplots(figsize=(13.2, 12.4))
ax.set_xlim(0.0, 13.3)
ax.set_ylim(BOTTOM - 0.6, TOP + 1.5)
ax.axis("off")


def head(x: float, text: str) -> None:
    ax.text(
        x,
        TOP + 0.55,
        text,
        ha="center",
        va="center",
        fontsize=HEAD,
        fontweight="bold",
        bbox={"boxstyle": "round,pad=0.4", "fc": "white", "ec": "#333333"},
    )
    ax.plot([x, x], [TOP - 0.1, BOTTOM], color="#999999", lw=1, ls=(0, (4, 3)), zorder=0)


def held(x: float, start: float, end: float, colour: str, label: str) -> None:
    """A bar on a lock's lifeline: who holds it, from when to when."""
    ax.add_patch(plt.Rectangle((x - 0.12, end), 0.24, start - end, fc=colour, ec="#555555", lw=0.8, zorder=1))
    ax.text(x + 0.2, start - 0.4, label, va="center", ha="left", fontsize=SMALL, style="italic")


def arrow(x1: float, x2: float, y: float, text: str, *, dashed: bool = False, colour: str = "black") -> None:
    ax.annotate(
        "",
        xy=(x2, y),
        xytext=(x1, y),
        arrowprops={
            "arrowstyle": "-|>",
            "color": colour,
            "lw": 1.1,
            "ls": "--" if dashed else "-",
            "shrinkA": 0,
            "shrinkB": 0,
        },
        zorder=3,
    )
    if text:
        ax.text(
            (x1 + x2) / 2,
            y + 0.12,
            text,
            ha="center",
            va="bottom",
            fontsize=LABEL,
            color=colour,
            zorder=4,
            bbox={"boxstyle": "square,pad=0.05", "fc": "white", "ec": "none"},
        )


def note(x: float, y: float, text: str, colour: str = "white", width_left: bool = False) -> None:
    ax.text(
        x,
        y,
        text,
        ha="right" if width_left else "left",
        va="center",
        fontsize=LABEL,
        zorder=4,
        bbox={"boxstyle": "round,pad=0.35", "fc": colour, "ec": "#777777", "lw": 0.8},
    )


for x, text in HEADS.items():
    head(x, text)

# Who holds which lock, and when.
held(ROLE, -2.2, -19.3, P1_HOLDS, "held by P1")
held(TOKEN, -5.4, -14.1, P2_HOLDS, "held by P2")

# Everyone reads the role file, without a lock.
note(P1 - 0.85, -1.0, "each of the N processes reads the role file without a lock: stale or missing")

# P1 takes the role lock.
arrow(P1, ROLE, -2.2, "flock(LOCK_EX | LOCK_NB): taken")

# P1 under the role lock.
note(
    P1 - 0.85,
    -3.5,
    "re-reads the role file: still stale;\n"
    "reads the token file: due (< 15 min left);\n"
    "builds its portal (sso) client before asking for the token",
)

# P2 finds the role lock taken and does not wait for it.
arrow(P2, ROLE, -4.8, "try the role lock: taken → do not wait")

# P2 takes the token lock and refreshes.
arrow(P2, TOKEN, -5.4, "token lock held? no → take it (LOCK_NB)")
note(
    P2 - 0.85,
    -6.3,
    "re-reads the token: still due; checks that the\ntoken directory is writable; builds an OIDC client",
)

# The rest: both locks taken, they wait for the role file alone.
arrow(PN, ROLE, -7.3, "try the role lock: taken", dashed=False)
arrow(PN, TOKEN, -7.9, "token lock held? yes → leave the refresh to P2")
ax.add_patch(plt.Rectangle((PN - 0.12, -19.3), 0.24, 10.5, fc=WAIT_COLOUR, ec="#555555", lw=0.8, zorder=1))
note(
    PN + 0.25,
    -8.95,
    "wait, no CPU: a thread blocked on a shared flock\n"
    "of the role lock wakes them when P1 lets go;\n"
    "meanwhile one stat of the role file every 0.25 s",
    WAIT_COLOUR,
)

# P1 meets P2's token lock.
arrow(P1, TOKEN, -10.4, "try the token lock: taken by P2; < 10 min left → wait for the token file")
ax.add_patch(plt.Rectangle((P1 - 0.12, -14.7), 0.24, 4.3, fc=WAIT_COLOUR, ec="#555555", lw=0.8, zorder=1))

# The one CreateToken.
arrow(P2, IDC, -11.3, "CreateToken (refresh-token grant)", colour=CALL_COLOUR)
arrow(IDC, P2, -12.0, "new access token (and refresh token)", dashed=True, colour=CALL_COLOUR)
arrow(P2, TOKEN, -13.0, "write the token file: temp file, fsync, rename")
arrow(P2, TOKEN, -14.1, "empty the pid line, let go")

# P1 wakes with the new token.
arrow(TOKEN, P1, -14.7, "let go / file changed → read the new token", dashed=True)

# P2 now waits for the role file like the rest.
arrow(P2, ROLE, -15.4, "wait for the role file, like the rest")
ax.add_patch(plt.Rectangle((P2 - 0.12, -19.3), 0.24, 3.9, fc=WAIT_COLOUR, ec="#555555", lw=0.8, zorder=1))

# The one GetRoleCredentials.
arrow(P1, IDC, -16.3, "GetRoleCredentials (the new access token)", colour=CALL_COLOUR)
arrow(IDC, P1, -17.0, "role credentials", dashed=True, colour=CALL_COLOUR)
arrow(P1, ROLE, -18.0, "write the role file: temp file, fsync, rename")
arrow(P1, ROLE, -19.3, "empty the pid line, let go")

# Everyone else reads what P1 wrote.
arrow(ROLE, P2, -20.3, "", dashed=True)
arrow(ROLE, PN, -20.3, "", dashed=True)
ax.text(
    (PN + ROLE) / 2 + 0.4,
    -20.15,
    "let go / file changed → read the role file: fresh",
    ha="left",
    va="bottom",
    fontsize=LABEL,
)

ax.text(
    6.55,
    -21.9,
    "N processes, one role, the token due: 1 CreateToken and 1 GetRoleCredentials in all",
    ha="center",
    va="center",
    fontsize=HEAD + 1,
    fontweight="bold",
    bbox={"boxstyle": "round,pad=0.5", "fc": "#f4f4f4", "ec": "#333333"},
)

fig.subplots_adjust(left=0.01, right=0.99, top=0.99, bottom=0.01)
fig.savefig(OUT, format="svg", facecolor="white", metadata={"Date": None})
print(OUT)
