"""RL201-RL204: ATT&CK references that are missing, unknown, retired or moved.

What they check
    RL201 missing-attack-technique (info): the rule names no ATT&CK technique, so the catalog cannot
    compare it with its peers (no missing-exclusion or combine-with advice).
    RL202 unknown-attack-id (warning): a technique or tactic id that ATT&CK does not have (checked
    against the shipped ATT&CK table plus the v19 additions: ``T1685``, ``attack.stealth`` and
    ``attack.defense-impairment`` are valid).
    RL203 retired-attack-id (warning): a technique ATT&CK has deprecated or revoked.
    RL204 moved-attack-id (info): a v18 technique that ATT&CK v19 moved to another id
    (``T1562.001`` -> ``T1685``); both ids land on the same catalog page.

Why
    Technique tags are how rules are found, counted and compared; a typo silently drops a rule from
    every coverage view.
"""

from __future__ import annotations

from collections.abc import Iterable

from rulelint.attack import TECHNIQUE_RE
from rulelint.checks.base import Check, Context, Finding


class MissingAttackTechnique(Check):
    code = "RL201"
    name = "missing-attack-technique"
    severity = "info"
    summary = "The rule names no ATT&CK technique."

    def run(self, context: Context) -> Iterable[Finding]:
        rule = context.rule
        if rule.techniques or rule.expression is None:
            return []
        return [
            self.finding(
                context,
                rule.line,
                "the rule names no ATT&CK technique: the catalog cannot compare it with rules for the same technique",
            )
        ]


class UnknownAttackId(Check):
    code = "RL202"
    name = "unknown-attack-id"
    severity = "warning"
    summary = "An ATT&CK technique or tactic id that does not exist."

    def run(self, context: Context) -> Iterable[Finding]:
        attack = context.attack
        findings: list[Finding] = []
        for tag in context.rule.attack_tags:
            if tag.kind == "technique":
                if not TECHNIQUE_RE.match(tag.id) or (
                    attack.lookup(tag.id) is None and tag.id not in attack.aliases
                ):
                    findings.append(
                        self.finding(
                            context,
                            tag.line,
                            f"{tag.raw}: {tag.id} is not an ATT&CK technique",
                            value=tag.raw,
                        )
                    )
            elif tag.kind == "tactic":
                if attack.tactic_by_any(tag.id) is None:
                    findings.append(
                        self.finding(
                            context,
                            tag.line,
                            f"{tag.raw}: {tag.id} is not an ATT&CK tactic",
                            value=tag.raw,
                        )
                    )
            elif tag.kind == "unknown":
                findings.append(
                    self.finding(
                        context,
                        tag.line,
                        f"{tag.raw}: not an ATT&CK technique, tactic, group or software id",
                        value=tag.raw,
                    )
                )
        return findings


class RetiredAttackId(Check):
    code = "RL203"
    name = "retired-attack-id"
    severity = "warning"
    summary = "A technique ATT&CK has deprecated or revoked."

    def run(self, context: Context) -> Iterable[Finding]:
        findings: list[Finding] = []
        for tag in context.rule.attack_tags:
            if tag.kind != "technique" or tag.id in context.attack.aliases:
                continue
            technique = context.attack.lookup(tag.id)
            if technique is not None and (technique.deprecated or technique.revoked):
                state = "revoked" if technique.revoked else "deprecated"
                findings.append(
                    self.finding(
                        context,
                        tag.line,
                        f"{tag.raw}: {tag.id} ({technique.name}) is {state} in ATT&CK",
                        value=tag.raw,
                    )
                )
        return findings


class MovedAttackId(Check):
    code = "RL204"
    name = "moved-attack-id"
    severity = "info"
    summary = "A v18 technique id that ATT&CK v19 moved."

    def run(self, context: Context) -> Iterable[Finding]:
        findings: list[Finding] = []
        for tag in context.rule.attack_tags:
            target = context.attack.aliases.get(tag.id) if tag.kind == "technique" else None
            if target:
                name = context.attack.name(target)
                findings.append(
                    self.finding(
                        context,
                        tag.line,
                        f"{tag.raw}: {tag.id} is {target} ({name}) in ATT&CK v19; both ids share one catalog page",
                        value=tag.raw,
                    )
                )
        return findings
