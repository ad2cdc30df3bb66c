#!/usr/bin/env python3
"""Give the demo manual a realistic release history: six monthly releases, May to October 2026.

What it does
------------
The chapters in content/ are the manual as it stands after its LAST release. This script works
backwards from them to the five earlier states of the manual, by undoing each release's changes
in code (string replacements, a section taken out, older wording put back, a chapter moved back
to its old folder, a chapter deleted, a removed chapter restored, a title or link changed back).
Every replacement must match the chapter text exactly once, or the script stops with an error,
so it never silently does nothing when a chapter has been edited.

It then plays the six states forwards in a temporary copy of the manual, running
`procbook check` and `procbook release --date D` for each, and checks that procbook recorded
exactly the changes intended (see EXPECTED). Finally it copies the new history/ into the manual
(replacing any old one), runs `procbook history verify`, and rewrites the `updated:` line of every
chapter in content/ to the date of the release that last changed the chapter's text, taken from
`procbook amendments --format json`. Nothing else in content/ is changed.

Within each earlier state the `updated:` lines are set the same way, so every released version
agrees with the history, the released versions of the last release are byte for byte the files
in content/, and running the script again gives the same history.

Releases
--------
2026-05-15  baseline: the manual is first published
2026-06-15  a section updated (Working Together 2023), a chapter retitled, a link's address changed
2026-07-15  a new section in the middle of a chapter, a link added, an anchor link changed,
            a new chapter
2026-08-15  a chapter moved to another sub-section, a chapter removed, a section removed,
            a change inside a subsection only, a refresh with only a new change note
2026-09-15  a chapter largely rewritten (revised), a punctuation-only refresh, a section retitled
2026-10-15  two new chapters, an introduction updated, a link added, a link replaced by another,
            a section updated (the content/ folder as it is now)

How to run
----------
From the repository root:

    python3 tools/make_demo_history.py

Environment:
    PROCBOOK        the procbook binary (default: target/debug/procbook, relative to the
                    repository root)
    PROCBOOK_TODAY  the date procbook treats as today (default here: 2026-11-23)

Python 3 standard library only.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

RELEASES = [
    "2026-05-15",
    "2026-06-15",
    "2026-07-15",
    "2026-08-15",
    "2026-09-15",
    "2026-10-15",
]

# Changes procbook counts as a change to a chapter's text (as opposed to moved or removed).
EDITS = {"added", "updated", "refreshed", "revised"}


class ScriptError(Exception):
    pass


def fail(message: str) -> None:
    raise ScriptError(message)


# ---------------------------------------------------------------------------------------------
# A state of the manual's content/ folder, held in memory.
# ---------------------------------------------------------------------------------------------


def chapter_id(path: str) -> str | None:
    """The id procbook gives a chapter file: its name without the NN- prefix and .md."""
    name = path.rsplit("/", 1)[-1]
    if not name.endswith(".md") or name == "_index.md":
        return None
    return re.sub(r"^\d+-", "", name[:-3])


def split_front_matter(text: str) -> tuple[str, str]:
    """(front matter including both --- lines, body)."""
    if not text.startswith("---\n"):
        fail("a chapter without front matter")
    end = text.find("\n---\n", 4)
    if end < 0:
        fail("a chapter whose front matter is not closed")
    cut = end + len("\n---\n")
    return text[:cut], text[cut:]


class State:
    """content/ as a mapping of path (relative to content/, with /) to file text."""

    def __init__(self, files: dict[str, str]):
        self.files = dict(files)

    @classmethod
    def read(cls, content: Path) -> "State":
        files = {}
        for path in sorted(content.rglob("*")):
            if path.is_file():
                with open(path, encoding="utf-8", newline="") as f:
                    files[path.relative_to(content).as_posix()] = f.read()
        return cls(files)

    def copy(self) -> "State":
        return State(self.files)

    def write(self, content: Path) -> None:
        if content.exists():
            shutil.rmtree(content)
        for rel, text in sorted(self.files.items()):
            path = content / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "w", encoding="utf-8", newline="") as f:
                f.write(text)

    def chapters(self) -> dict[str, str]:
        """id -> path of every chapter."""
        out: dict[str, str] = {}
        for rel in self.files:
            cid = chapter_id(rel)
            if cid is None:
                continue
            if cid in out:
                fail(f"two chapters with the id `{cid}`: {out[cid]} and {rel}")
            out[cid] = rel
        return out

    def path(self, cid: str) -> str:
        found = self.chapters().get(cid)
        if found is None:
            fail(f"no chapter `{cid}` in this state")
        return found

    # -- edits ----------------------------------------------------------------------------------

    def replace(self, cid: str, old: str, new: str) -> None:
        """Replaces text that must occur exactly once in the chapter."""
        rel = self.path(cid)
        text = self.files[rel]
        n = text.count(old)
        if n != 1:
            shown = old if len(old) < 120 else old[:117] + "..."
            fail(f"{rel}: expected the text {shown!r} exactly once, found it {n} times")
        self.files[rel] = text.replace(old, new)

    def set_body(self, cid: str, must_contain: str, body: str) -> None:
        """Swaps the whole body (after the front matter) for another one."""
        rel = self.path(cid)
        fm, old_body = split_front_matter(self.files[rel])
        if must_contain not in old_body:
            fail(f"{rel}: the body no longer contains {must_contain!r}; the rewrite may not fit")
        self.files[rel] = fm + body

    def remove_section(self, cid: str, title: str) -> None:
        """Removes a `##` section (with its subsections) up to the next `##` heading or the end."""
        rel = self.path(cid)
        text = self.files[rel]
        heading = f"\n## {title}\n"
        if text.count(heading) != 1:
            fail(f"{rel}: expected the section heading `## {title}` exactly once")
        start = text.index(heading) + 1
        nxt = text.find("\n## ", start)
        end = len(text) if nxt < 0 else nxt + 1
        self.files[rel] = text[:start] + text[end:]

    def set_front(self, cid: str, key: str, value: str) -> None:
        """Sets a one-line front matter key, adding it at the end if it is not there."""
        rel = self.path(cid)
        fm, body = split_front_matter(self.files[rel])
        line = f"{key}: {value}\n"
        pattern = re.compile(rf"^{re.escape(key)}:[^\n]*\n", re.M)
        if pattern.search(fm):
            fm = pattern.sub(lambda _m: line, fm, count=1)
        else:
            fm = fm[: -len("---\n")] + line + "---\n"
        self.files[rel] = fm + body

    def remove_front(self, cid: str, key: str) -> None:
        rel = self.path(cid)
        fm, body = split_front_matter(self.files[rel])
        pattern = re.compile(rf"^{re.escape(key)}:[^\n]*\n", re.M)
        if not pattern.search(fm):
            fail(f"{rel}: no `{key}:` line in the front matter")
        self.files[rel] = pattern.sub("", fm, count=1) + body

    def delete(self, cid: str) -> None:
        del self.files[self.path(cid)]

    def add(self, rel: str, text: str) -> None:
        if rel in self.files:
            fail(f"{rel} already exists")
        cid = chapter_id(rel)
        if cid and cid in self.chapters():
            fail(f"a chapter `{cid}` already exists")
        self.files[rel] = text

    def move(self, cid: str, folder: str) -> None:
        """Moves a chapter file, keeping its file name, to another folder of content/."""
        rel = self.path(cid)
        if not any(p.startswith(folder + "/") for p in self.files):
            fail(f"no folder {folder} in content/")
        target = folder + "/" + rel.rsplit("/", 1)[-1]
        if target in self.files:
            fail(f"{target} already exists")
        self.files[target] = self.files.pop(rel)


def set_updated(text: str, date: str, where: str) -> str:
    """The chapter's text with its front matter's `updated:` line set to `date`."""
    fm, body = split_front_matter(text)
    pattern = re.compile(r"^updated:[^\n]*\n", re.M)
    if not pattern.search(fm):
        fail(f"{where}: no `updated:` line in the front matter")
    return pattern.sub(lambda _m: f"updated: {date}\n", fm, count=1) + body


# ---------------------------------------------------------------------------------------------
# Text of earlier versions.
# ---------------------------------------------------------------------------------------------

# "Use of Social Media by Staff": published in May 2026, removed in August 2026.
SOCIAL_MEDIA_PATH = "02-case-management-and-recording/05-use-of-social-media.md"
SOCIAL_MEDIA = """\
---
title: Use of Social Media by Staff
summary: >-
  This chapter explains how Exampleshire children's services staff should use social media, both at
  work and in their private lives, including the rules on contact with children and families and on
  looking at their online profiles.
owner: Principal Social Worker
review_due: 2027-01
updated: 2026-05-15
keywords: [social media, online conduct, professional boundaries, friend requests, messaging apps]
see_also:
  - chapter: recording-policy
  - chapter: whistleblowing
---

## Introduction

Social media is part of everyday life for most children, families and staff. Used well, it can help practitioners understand the world a young person lives in. Used carelessly, it can put children at risk, breach their privacy and damage the trust families place in the service. This chapter applies to all staff, agency workers and students in Exampleshire Children's Services, and covers the use of social media both at work and in private life.

## Personal Use

- Do not post anything about the children, families or carers you work with, even without names; in a small community a few details can identify a child.
- Do not send or accept friend requests, follows or messages from children, parents or carers you know through your work, including after the case has closed.
- Set your personal accounts to private, and think carefully before showing your job title or where you work.
- Comments about colleagues, partner agencies or council decisions can breach the code of conduct even when they are posted in a personal capacity.

If a child or parent contacts you through a personal account, do not reply. Tell your team manager and record the contact on the child's file.

## Looking at Information About Children and Families

Public information on social media can sometimes help to keep a child safe, for example when a young person is missing or there are concerns about exploitation. Staff may look at publicly available profiles only for a clear safeguarding purpose, using a council device and a council account, and must never create a false identity to do so. Repeated or planned viewing of one person's profile may amount to covert surveillance and needs advice from Legal Services first. The reason for the search, what was seen and any screenshots taken are recorded on the child's file.

## Keeping in Touch with Young People

Some young people, particularly care leavers, prefer to keep in touch through messaging apps. Personal advisers and social workers may do so only on a council phone, using an app approved by ICT. Messages must stay professional, and any significant exchange is copied into the young person's record.

## Concerns and Breaches

Anyone who sees content that could put a child at risk, or that breaches this chapter, must tell their manager the same day. Serious breaches are dealt with under the council's disciplinary procedure. Concerns that a colleague has behaved in a way that has harmed a child, or may have harmed a child, are referred to the LADO.
"""

# "Homeless 16 and 17 Year Olds" before it was rewritten in September 2026.
HOMELESS_OLD_SUMMARY = """\
summary: >-
  This chapter explains what Children's Services does when a young person aged 16 or 17 asks for help
  because they are homeless, from referral by a housing office to assessment and the offer of
  accommodation under section 20.
"""
HOMELESS_OLD_BODY = """
## Introduction

This procedure applies when a young person aged 16 or 17 asks for help because they have nowhere to live, or are about to lose their home. It applies whether the young person comes to Children's Services directly or is sent on by a district council housing office, a school or another agency.

A homeless 16 or 17 year old is likely to be a child in need, and the council must consider whether they should be accommodated under section 20 of the [Children Act 1989](https://www.legislation.gov.uk/ukpga/1989/41/section/20).

## Referral

Housing officers should refer the young person to the front door on the day they ask for help. The front door passes the case to the duty social worker in the Adolescent Support Team, who arranges to see the young person as soon as possible.

If the young person has nowhere to stay that night, the duty social worker finds emergency accommodation. Bed and breakfast should be avoided; it may be used only in an emergency, for no more than two nights, with the agreement of a team manager.

## Assessment

The social worker completes a Child and Family Assessment within 35 working days, consulting the housing office where the young person may need help from the district council. The assessment considers whether the young person can go home, with support if needed.

## Outcome

If the young person needs accommodation, the social worker explains section 20 and what being looked after would mean for them. If the young person does not want to be accommodated, the social worker refers them back to the housing office and closes the case, unless other support is needed under section 17.

## Recording

The assessment, the young person's wishes and the decision are recorded on the child's file.
"""

# The section of "Recording Policy and Guidelines" removed in August 2026.
HANDWRITTEN_NOTES = """\
## Handwritten Notes and Paper Documents

Notes taken by hand during a visit or meeting must be typed on to the child's electronic file within the timescales above. The handwritten notes are then scanned, attached to the record and securely shredded; they must not be kept in desk drawers, diaries or cars. Paper documents lent by families, such as letters or certificates, are scanned and returned to the family the same week, and their return is noted on the file.

"""

# ---------------------------------------------------------------------------------------------
# Each release, undone: turns the state after release N into the state before it. The change
# notes an author wrote for release N are in NOTES[N], and set only in that release's state.
# ---------------------------------------------------------------------------------------------


def undo_october(s: State) -> None:
    # Two new chapters: they did not exist before.
    s.delete("life-story-work")
    s.delete("mobile-devices")
    # A link added to the new mobile devices chapter.
    s.replace(
        "case-records-and-retention",
        "- Case records must never be stored on personal devices or personal email accounts"
        " (see [Storage of Data on Mobile Devices](chapter:mobile-devices)).\n",
        "- Case records must never be stored on personal devices or personal email accounts.\n",
    )
    # The life story link pointed to national guidance before the chapter existed.
    s.replace(
        "permanence-planning",
        "See [Life Story Work and Later Life Letters](chapter:life-story-work) and the",
        "See the [adoption statutory guidance]"
        "(https://www.gov.uk/government/publications/adoption-statutory-guidance-2013) and the",
    )
    # Escalation of disagreements about MASH decisions added to one section.
    s.replace(
        "contacts-and-referrals",
        "Where a professional disagrees with the decision, they should first discuss it with the"
        " MASH team manager and then, if it is not resolved, use the partnership's escalation"
        " procedure.",
        "A professional who disagrees with the decision should raise it with the MASH team manager.",
    )
    # The chapter was put under review in October: only its introduction says so.
    s.replace(
        "death-or-serious-injury",
        "This chapter is being reviewed to reflect changes to national notification arrangements."
        " Until the revised version is published, follow the procedure below.\n\n",
        "",
    )
    s.remove_front("death-or-serious-injury", "status")
    s.set_front("death-or-serious-injury", "review_due", "2027-07")


def undo_september(s: State) -> None:
    # Revised: the older, shorter procedure from before the Joint Housing Protocol.
    cid = "homeless-16-and-17-year-olds"
    s.set_body(cid, "Exampleshire Joint Housing Protocol", HOMELESS_OLD_BODY)
    s.replace(
        cid,
        "summary: >-\n"
        "  This chapter sets out how Children's Services and the district housing authorities in"
        " Exampleshire\n"
        "  respond jointly when a 16 or 17 year old is homeless or at risk of homelessness,"
        " including the joint\n"
        "  assessment and the young person's right to independent advice about section 20"
        " accommodation.\n",
        HOMELESS_OLD_SUMMARY,
    )
    s.replace(
        cid,
        "keywords: [youth homelessness, joint housing protocol, Southwark judgment, sofa surfing]",
        "keywords: [youth homelessness, Southwark judgment, sofa surfing]",
    )
    # Refreshed: punctuation and one swap of word order only.
    cid = "child-in-need-plans"
    s.replace(
        cid,
        "- the outcomes the plan is aiming for, and how everyone will know",
        "- the outcomes the plan is aiming for and how everyone will know",
    )
    s.replace(
        cid,
        "- what the parents and child have agreed to do;",
        "- what the child and parents have agreed to do;",
    )
    s.replace(
        cid,
        "- a contingency plan setting out what will happen",
        "- a contingency plan, setting out what will happen",
    )
    s.replace(
        cid,
        "The plan must be agreed with the parents, who must receive a copy.",
        "The plan must be agreed with the parents who must receive a copy.",
    )
    s.replace(
        cid,
        "If concerns increase, the social worker must discuss the case with the team manager"
        " without delay.",
        "If concerns increase the social worker must discuss the case with the team manager,"
        " without delay.",
    )
    # A section retitled; its text is the same.
    s.replace(
        "complaints-and-representations",
        "\n## Resolving Concerns Early\n",
        "\n## Informal Resolution\n",
    )


def undo_august(s: State) -> None:
    # Moved: NRPF sat under Homelessness before it moved to Children from Abroad.
    s.move("no-recourse-to-public-funds", "03-children-in-particular-circumstances/03-homelessness")
    # Removed in August: the chapter existed until then.
    s.add(SOCIAL_MEDIA_PATH, SOCIAL_MEDIA)
    # A section removed.
    s.replace(
        "recording-policy",
        "## Sharing and Correcting Records\n",
        HANDWRITTEN_NOTES + "## Sharing and Correcting Records\n",
    )
    # A change inside one ### subsection only.
    s.replace(
        "children-missing-from-care",
        "The RHI explores why the child went, where they were, who they were with and whether they"
        " were harmed. If the child declines, this is recorded and the social worker talks with"
        " them instead.",
        "The RHI explores why the child went, where they were and who they were with. If the child"
        " declines, this is recorded on the file.",
    )
    # private-fostering: only its change note changes in August (see NOTES).


def undo_july(s: State) -> None:
    # A new ## section in the middle of the chapter.
    cid = "placements-in-residential-care"
    s.remove_section(cid, "Placements of Children under 13 Years")
    s.replace(
        cid,
        "  and approvals needed before a child moves, the extra approval for children under 13,"
        " and how the placement\n  is monitored.\n",
        "  and approvals needed before a child moves, and how the placement is monitored.\n",
    )
    s.replace(
        cid,
        "keywords: [children's home, residential placement, under 13, supported accommodation]",
        "keywords: [children's home, residential placement, supported accommodation]",
    )
    # The links to that section did not exist, or went to the chapter as a whole.
    s.replace(
        "out-of-area-placements",
        " For children under 13 in residential care, see also [Placements of Children under 13"
        " Years](chapter:placements-in-residential-care#placements-of-children-under-13-years).",
        "",
    )
    s.replace(
        "agency-decision-makers",
        "[Placements in Residential Care](chapter:placements-in-residential-care"
        "#placements-of-children-under-13-years)",
        "[Placements in Residential Care](chapter:placements-in-residential-care)",
    )
    # A new chapter in July.
    s.delete("death-or-serious-injury")


def undo_june(s: State) -> None:
    # Working Together 2023: education became a standing partner in strategy discussions.
    cid = "strategy-discussions"
    s.replace(
        cid,
        "| Education | Designated safeguarding lead (DSL) | Attendance, presentation and views of the"
        " school |\n",
        "",
    )
    s.replace(
        cid,
        "Other practitioners, such as a probation officer, a mental health worker or",
        "Other practitioners, such as the designated safeguarding lead at the child's school, a"
        " probation officer, a mental health worker or",
    )
    # A chapter retitled.
    s.set_front("staying-put", "title", "Staying Put Arrangements")
    # A link whose address changed (the same text).
    s.replace(
        "special-guardianship-orders",
        "[Children Act 1989](https://www.legislation.gov.uk/ukpga/1989/41/section/14A)",
        "[Children Act 1989](https://www.legislation.gov.uk/ukpga/1989/41)",
    )


# The change notes authors wrote, set in the state of the release that made the change only.
NOTES: dict[str, dict[str, str]] = {
    "2026-06-15": {
        "strategy-discussions": "Updated in line with Working Together to Safeguard Children 2023:"
        " the designated safeguarding lead for the child's school or setting now takes part in"
        " every strategy discussion.",
        "staying-put": "Retitled Staying Put, the name young people and carers use; the"
        " arrangements themselves are unchanged.",
    },
    "2026-07-15": {
        "placements-in-residential-care": "New section setting out the extra steps before a child"
        " under 13 is placed in a children's home, including the Director's approval.",
        "out-of-area-placements": "Cross-reference added to the new guidance on residential"
        " placements for children under 13.",
        "death-or-serious-injury": "New chapter, bringing together the notification guidance"
        " previously held by the Safeguarding and Quality Assurance Service.",
    },
    "2026-08-15": {
        "recording-policy": "The section on handwritten notes has been removed: visit notes are now"
        " typed straight into the case management system on council tablets.",
        "children-missing-from-care": "Updated after the annual review of the Exampleshire Missing"
        " Service: Return Home Interviews now ask whether the child was harmed while missing.",
        "private-fostering": "Checked against the findings of the August 2026 private fostering"
        " audit; no change to the procedure.",
    },
    "2026-09-15": {
        "homeless-16-and-17-year-olds": "Rewritten to follow the new Exampleshire Joint Housing"
        " Protocol agreed with the district councils, and the national guidance on homeless 16"
        " and 17 year olds.",
        "child-in-need-plans": "Reviewed in September 2026; no change to the procedure.",
        "complaints-and-representations": "Section 3 renamed to match the council's corporate"
        " complaints policy; the procedure is unchanged.",
    },
    "2026-10-15": {},
}

# What each release must record, as procbook words it: {id: (change, [phrases in its note])}.
# The baseline records every chapter of the first state as added.
EXPECTED: dict[str, dict[str, tuple[str, list[str]]]] = {
    "2026-06-15": {
        "strategy-discussions": ("updated", ["Section 2, Who Takes Part has been updated."]),
        "staying-put": (
            "updated",
            ["This chapter has been re-titled (previously called Staying Put Arrangements)."],
        ),
        "special-guardianship-orders": ("updated", ["The link to Children Act 1989 has been updated."]),
    },
    "2026-07-15": {
        "placements-in-residential-care": (
            "updated",
            ["A new Section 4, Placements of Children under 13 Years was added."],
        ),
        "out-of-area-placements": (
            "updated",
            ["A link was added to Placements of Children under 13 Years."],
        ),
        "agency-decision-makers": (
            "updated",
            ["The link to Placements in Residential Care has been updated."],
        ),
        "death-or-serious-injury": ("added", ["This chapter was added in July 2026."]),
    },
    "2026-08-15": {
        "no-recourse-to-public-funds": ("moved", ["moved to 3.2 Children from Abroad"]),
        "use-of-social-media": ("removed", ["removed from the manual in August 2026"]),
        "recording-policy": (
            "updated",
            ["Section 5, Handwritten Notes and Paper Documents has been removed."],
        ),
        "children-missing-from-care": (
            "updated",
            ["Section 5.1, Return Home Interview has been updated."],
        ),
        "private-fostering": ("refreshed", ["This chapter was refreshed in August 2026."]),
    },
    "2026-09-15": {
        "homeless-16-and-17-year-olds": ("revised", ["extensively revised in September 2026"]),
        "child-in-need-plans": ("refreshed", ["This chapter was refreshed in September 2026."]),
        "complaints-and-representations": (
            "updated",
            ["Section 3 has been re-titled Resolving Concerns Early (previously Informal Resolution)."],
        ),
    },
    "2026-10-15": {
        "life-story-work": ("added", ["This chapter was added in October 2026."]),
        "mobile-devices": ("added", ["This chapter was added in October 2026."]),
        "case-records-and-retention": (
            "updated",
            ["Section 2, Keeping Records Secure has been updated.",
             "A link was added to Storage of Data on Mobile Devices."],
        ),
        "contacts-and-referrals": ("updated", ["Section 4, Feedback has been updated."]),
        "permanence-planning": (
            "updated",
            ["The link to adoption statutory guidance has been removed and replaced with a link"
             " to Life Story Work and Later Life Letters."],
        ),
        "death-or-serious-injury": ("updated", ["The introduction has been updated."]),
    },
}

UNDO = {
    "2026-10-15": undo_october,
    "2026-09-15": undo_september,
    "2026-08-15": undo_august,
    "2026-07-15": undo_july,
    "2026-06-15": undo_june,
}


def derive_states(current: State) -> dict[str, State]:
    """The content of every release, from the current content backwards (without notes)."""
    states = {RELEASES[-1]: current.copy()}
    state = current.copy()
    for date in reversed(RELEASES[1:]):
        state = state.copy()
        UNDO[date](state)
        states[RELEASES[RELEASES.index(date) - 1]] = state
    return states


def with_notes(state: State, date: str) -> State:
    out = state.copy()
    for cid, note in NOTES.get(date, {}).items():
        # A JSON string is a valid YAML double-quoted scalar.
        out.set_front(cid, "change_note", json.dumps(note, ensure_ascii=False))
    return out


def with_updated(state: State, last_edit: dict[str, str]) -> State:
    out = state.copy()
    for cid, rel in out.chapters().items():
        out.files[rel] = set_updated(out.files[rel], last_edit[cid], rel)
    return out


# ---------------------------------------------------------------------------------------------
# Running procbook.
# ---------------------------------------------------------------------------------------------


def procbook_binary() -> str:
    binary = Path(os.environ.get("PROCBOOK", "target/debug/procbook"))
    if not binary.is_absolute():
        binary = ROOT / binary
    if not binary.is_file():
        fail(f"procbook binary not found at {binary}: set PROCBOOK, or build it first")
    return str(binary)


def run(args: list[str], allow_fail: bool = False) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env.setdefault("PROCBOOK_TODAY", "2026-11-23")
    result = subprocess.run(
        [procbook_binary(), *args], capture_output=True, text=True, env=env, check=False
    )
    if result.returncode != 0 and not allow_fail:
        fail(
            f"`procbook {' '.join(args)}` failed (exit {result.returncode}):\n"
            f"{result.stdout}{result.stderr}"
        )
    return result


def amendments(root: Path) -> list[dict]:
    return json.loads(run(["amendments", "--root", str(root), "--format", "json"]).stdout)


def check_release(recorded: dict, date: str, state: State) -> None:
    """Fails unless the release recorded exactly what EXPECTED says."""
    got = {c["id"]: c for c in recorded["chapters"]}
    if date == RELEASES[0]:
        want = {cid: ("added", []) for cid in state.chapters()}
    else:
        want = EXPECTED[date]
    problems = []
    for cid in sorted(set(got) | set(want)):
        if cid not in want:
            problems.append(f"  unexpected: {cid} {got[cid]['change']}: {got[cid]['summary']}")
        elif cid not in got:
            problems.append(f"  missing: {cid} should be {want[cid][0]}")
        else:
            change, phrases = want[cid]
            if got[cid]["change"] != change:
                problems.append(
                    f"  {cid}: recorded as {got[cid]['change']}, expected {change}:"
                    f" {got[cid]['summary']}"
                )
            for phrase in phrases:
                if phrase not in got[cid]["summary"]:
                    problems.append(f"  {cid}: note lacks {phrase!r}: {got[cid]['summary']}")
    if problems:
        fail(f"the release of {date} did not record what was intended:\n" + "\n".join(problems))


def last_edits(log: list[dict]) -> dict[str, str]:
    """id -> date of the latest release that changed the chapter's text."""
    out: dict[str, str] = {}
    for release in sorted(log, key=lambda r: r["date"]):
        for c in release["chapters"]:
            if c["change"] in EDITS:
                out[c["id"]] = release["date"]
    return out


# ---------------------------------------------------------------------------------------------


def main() -> int:
    manual = ROOT / "manual.yaml"
    content = ROOT / "content"
    if not manual.is_file() or not content.is_dir():
        fail(f"{ROOT} does not look like the procbook repository (no manual.yaml or content/)")
    procbook_binary()

    current = State.read(content)
    states = derive_states(current)

    with tempfile.TemporaryDirectory(prefix="procbook-demo-history-") as tmp:
        work = Path(tmp) / "manual"
        work.mkdir()
        # 1. A work copy of the manual.
        shutil.copy2(manual, work / "manual.yaml")
        if (ROOT / "glossary.yaml").is_file():
            shutil.copy2(ROOT / "glossary.yaml", work / "glossary.yaml")
        shutil.copytree(content, work / "content")

        # 3. Each state in date order, checked and released.
        last_edit: dict[str, str] = {}
        for date in RELEASES:
            state = with_notes(states[date], date)
            changes = (
                {cid: ("added", []) for cid in state.chapters()}
                if date == RELEASES[0]
                else EXPECTED[date]
            )
            for cid, (change, _) in changes.items():
                if change in EDITS:
                    last_edit[cid] = date
            missing = set(state.chapters()) - set(last_edit)
            if missing:
                fail(f"no release date for {sorted(missing)} in {date}")
            state = with_updated(state, last_edit)
            state.write(work / "content")
            checked = run(["check", "--root", str(work)], allow_fail=True)
            if checked.returncode != 0:
                fail(
                    f"the state released on {date} does not pass `procbook check`:\n"
                    f"{checked.stdout}{checked.stderr}"
                )
            run(["release", "--root", str(work), "--date", date])
            recorded = [r for r in amendments(work) if r["date"] == date]
            if len(recorded) != 1:
                fail(f"procbook recorded no release on {date}")
            check_release(recorded[0], date, state)
            chapters = len(state.chapters())
            print(f"released {date}: {chapters} chapters, {len(recorded[0]['chapters'])} recorded")

        # 4. The history into the manual, verified.
        history = ROOT / "history"
        if history.exists():
            shutil.rmtree(history)
        shutil.copytree(work / "history", history)

    run(["history", "verify", "--root", str(ROOT)])
    print("procbook history verify: passed")

    # The `updated:` lines of content/ from the amendment log.
    dates = last_edits(amendments(ROOT))
    rewritten = 0
    for cid, rel in current.chapters().items():
        if cid not in dates:
            fail(f"the history has no edit of the chapter `{cid}`")
        path = content / rel
        with open(path, encoding="utf-8", newline="") as f:
            text = f.read()
        new = set_updated(text, dates[cid], rel)
        if new != text:
            with open(path, "w", encoding="utf-8", newline="") as f:
                f.write(new)
            rewritten += 1
    print(f"updated: lines rewritten in {rewritten} chapters")

    # The last released version of every chapter is now the file in content/, but for the
    # change note of that release, which content/ no longer carries (removing a note is not a
    # change procbook records).
    final = State.read(content)
    note_line = re.compile(r"^change_note:[^\n]*\n", re.M)
    for cid, rel in final.chapters().items():
        versions = sorted((history / "versions" / cid).glob("*.md"))
        if not versions:
            fail(f"no released version of `{cid}`")
        with open(versions[-1], encoding="utf-8", newline="") as f:
            fm, body = split_front_matter(f.read())
        if note_line.sub("", fm, count=1) + body != final.files[rel]:
            fail(f"content/{rel} differs from its last released version {versions[-1]}")

    checked = run(["check", "--root", str(ROOT)], allow_fail=True)
    if checked.returncode != 0:
        fail(f"`procbook check` fails on the manual:\n{checked.stdout}{checked.stderr}")
    print("procbook check: no errors")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except ScriptError as e:
        print(f"make_demo_history: {e}", file=sys.stderr)
        sys.exit(1)
