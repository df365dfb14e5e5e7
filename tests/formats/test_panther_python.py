"""Panther rule() bodies read with ast: every supported form on hand-written rules."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

from rulelint.formats import read_rule_file
from rulelint.formats.errors import RuleReadError
from rulelint.formats.panther.reader import PantherReader
from rulelint.model import And, Not, Or, Predicate, Rule

READER = PantherReader()

YAML = """AnalysisType: rule
Filename: {name}.py
RuleID: "Test.{name}"
DisplayName: "Test {name}"
Enabled: true
LogTypes:
{logtypes}
Severity: Medium
Reports:
  MITRE ATT&CK:
    - TA0004:T1078
"""


def write_rule(
    folder: Path, name: str, body: str, logtypes: tuple[str, ...] = ("AWS.CloudTrail",)
) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.py").write_text(textwrap.dedent(body).lstrip("\n"), encoding="utf-8")
    yaml_path = folder / f"{name}.yml"
    yaml_path.write_text(
        YAML.format(name=name, logtypes="\n".join(f"  - {lt}" for lt in logtypes)), encoding="utf-8"
    )
    return yaml_path


def read(
    folder: Path, name: str, body: str, logtypes: tuple[str, ...] = ("AWS.CloudTrail",)
) -> Rule:
    path = write_rule(folder, name, body, logtypes)
    rules = READER.read(str(path), path.read_text(encoding="utf-8"))
    assert len(rules) == 1
    return rules[0]


def rows(predicates: list[Predicate]) -> list[tuple]:
    return [(p.field, p.canonical_field, p.operator, p.value, p.line) for p in predicates]


def test_get_and_deep_get_comparisons(tmp_path: Path) -> None:
    rule = read(
        tmp_path,
        "root_login",
        """
        def rule(event):
            return (
                event.get("eventName") == "ConsoleLogin"
                and event.deep_get("userIdentity", "type") == "Root"
                and event.deep_get("responseElements", "ConsoleLogin", default="") != "Failure"
            )
        """,
    )
    assert rows(rule.indicators()) == [
        ("eventName", "event.action", "eq", "ConsoleLogin", 3),
        ("userIdentity.type", "aws.cloudtrail.user_identity.type", "eq", "Root", 4),
    ]
    assert rows(rule.exclusions()) == [
        ("responseElements.ConsoleLogin", "event.outcome", "eq", "Failure", 5)
    ]
    first = rule.indicators()[0]
    assert (
        first.cased
        and first.how == "=="
        and first.raw_value == "ConsoleLogin"
        and first.column == 35
    )
    assert rule.extra["body_path"].endswith("root_login.py")


def test_helper_accessors_udm_deep_walk_and_subscripts(tmp_path: Path) -> None:
    rule = read(
        tmp_path,
        "accessors",
        """
        from panther_base_helpers import deep_get, deep_walk


        def rule(event):
            if deep_get(event, "requestParameters", "bucketName") != "prod-logs":
                return False
            if event.udm("source_ip") == "203.0.113.7":
                return True
            return (
                deep_walk(event, "resources", "type") == "AWS::S3::Bucket"
                and event.deep_walk("userIdentity", "sessionContext", "sessionIssuer", "type") == "Role"
                and event["eventSource"] == "s3.amazonaws.com"
                and event.get("requestParameters", {}).get("policy") is not None
            )
        """,
    )
    assert rows(rule.indicators()) == [
        ("requestParameters.bucketName", "requestParameters.bucketName", "eq", "prod-logs", 5),
        ("udm:source_ip", "source.ip", "eq", "203.0.113.7", 7),
        ("resources.type", "resources.type", "eq", "AWS::S3::Bucket", 10),
        (
            "userIdentity.sessionContext.sessionIssuer.type",
            "aws.cloudtrail.user_identity.session_context.session_issuer.type",
            "eq",
            "Role",
            11,
        ),
        ("eventSource", "event.provider", "eq", "s3.amazonaws.com", 12),
        ("requestParameters.policy", "requestParameters.policy", "is_not_null", None, 13),
    ]
    # "if x: return True" is an alternative; its negation on the other path is no exclusion
    assert rule.exclusions() == []
    expression = rule.expression
    assert isinstance(expression, And) and isinstance(expression.children[1], Or)


def test_module_constants_membership_and_string_methods(tmp_path: Path) -> None:
    rule = read(
        tmp_path,
        "constants",
        """
        SENSITIVE = {"DeleteTrail", "StopLogging"}
        ADMIN_TOOLS = ("aws-cli", "Boto3")
        IGNORED_ROLES = frozenset(["OrganizationAccountAccessRole"])
        REGIONS = ["us-east-1"] + ["eu-west-1"]
        ACCOUNTS = {"111122223333": "prod"}


        def rule(event):
            name = event.get("eventName", "")
            agent = event.get("userAgent", "").lower()
            if event.deep_get("userIdentity", "arn", default="").endswith(tuple(IGNORED_ROLES)):
                return False
            if event.get("recipientAccountId") not in ACCOUNTS:
                return False
            return (
                name in SENSITIVE
                and agent.startswith(ADMIN_TOOLS)
                and "amazonaws.com" in event.get("eventSource", "")
                and event.get("awsRegion") not in REGIONS
            )
        """,
    )
    assert [(p.field, p.operator, p.value, p.cased, p.how) for p in rule.indicators()] == [
        ("recipientAccountId", "eq", "111122223333", True, "in"),
        ("eventName", "eq", "DeleteTrail", True, "in"),
        ("eventName", "eq", "StopLogging", True, "in"),
        ("userAgent", "starts_with", "aws-cli", False, ".startswith"),
        ("userAgent", "starts_with", "boto3", False, ".startswith"),
        ("eventSource", "contains", "amazonaws.com", True, "in"),
    ]
    assert [(p.field, p.operator, p.value) for p in rule.exclusions()] == [
        ("userIdentity.arn", "ends_with", "OrganizationAccountAccessRole"),
        ("awsRegion", "eq", "us-east-1"),
        ("awsRegion", "eq", "eu-west-1"),
    ]
    # each alternative points at its own item in the constant's literal
    assert [p.line for p in rule.indicators()[1:3]] == [1, 1]


def test_regexes_are_never_run(tmp_path: Path) -> None:
    rule = read(
        tmp_path,
        "regexes",
        r"""
        import re

        SUSPICIOUS = re.compile(r"(curl|wget)\s+http", re.IGNORECASE)


        def rule(event):
            command = event.get("commandLine", "")
            return bool(
                re.search(r"\\net\.exe$", event.get("image", ""))
                and re.match("^sekurlsa", command)
                and SUSPICIOUS.search(command)
                and re.compile(r"base64").search(command)
            )
        """,
        ("Crowdstrike.FDREvent",),
    )
    assert [(p.field, p.operator, p.value, p.cased, p.line) for p in rule.indicators()] == [
        ("image", "ends_with", "\\net.exe", True, 9),
        ("commandLine", "starts_with", "sekurlsa", True, 10),
        # a compiled module constant points at its pattern
        ("commandLine", "regex_match", r"(curl|wget)\s+http", False, 3),
        ("commandLine", "contains", "base64", True, 12),
    ]


def test_guards_aliases_and_truthiness(tmp_path: Path) -> None:
    rule = read(
        tmp_path,
        "guards",
        """
        def rule(event):
            event_name = event.get("eventName")
            error = event.get("errorCode")
            if error:
                return False
            if not event.get("requestParameters"):
                return False
            if event.deep_get("userIdentity", "invokedBy") is not None:
                return False
            is_delete = event_name == "DeleteBucket"
            if event.get("readOnly") is True:
                return False
            return is_delete
        """,
    )
    assert [(p.field, p.operator, p.value) for p in rule.indicators()] == [
        # "if error: return False" -> the error code is empty (a presence test, not an exclusion)
        ("errorCode", "is_null", None),
        ("requestParameters", "is_not_null", None),
        ("userIdentity.invokedBy", "is_null", None),
        ("eventName", "eq", "DeleteBucket"),
    ]
    assert [(p.field, p.operator, p.value) for p in rule.exclusions()] == [
        ("readOnly", "eq", "true")
    ]


def test_if_return_chains_and_numbers(tmp_path: Path) -> None:
    rule = read(
        tmp_path,
        "chains",
        """
        def rule(event):
            if event.get("eventName") == "ConsoleLogin":
                if event.deep_get("additionalEventData", "MFAUsed") == "Yes":
                    return False
                return True
            elif event.get("eventName") == "GetSessionToken":
                return event.deep_get("requestParameters", "durationSeconds", default=0) > 43200
            return False
        """,
    )
    expression = rule.expression
    assert isinstance(expression, Or) and len(expression.children) == 2
    login, _token = expression.children
    assert isinstance(login, And) and isinstance(login.children[1], Not)
    assert [(p.field, p.operator, p.value) for p in rule.indicators()] == [
        ("eventName", "eq", "ConsoleLogin"),
        ("eventName", "eq", "GetSessionToken"),
        ("requestParameters.durationSeconds", "gt", "43200"),
    ]
    assert [(p.canonical_field, p.value) for p in rule.exclusions()] == [
        ("aws.cloudtrail.console_login.additional_eventdata.mfa_used", "Yes")
    ]


def test_any_all_and_local_helpers_are_followed(tmp_path: Path) -> None:
    rule = read(
        tmp_path,
        "helpers",
        """
        PATTERNS = ["mimikatz", "sekurlsa"]


        def is_admin(event):
            return event.deep_get("userIdentity", "type") in ("Root", "AssumedRole")


        def command(event):
            return event.get("commandLine", "").lower()


        def rule(event):
            if not is_admin(event):
                return False
            return any(p in command(event) for p in PATTERNS) and all(
                event.get(key) is not None for key in ("sourceIPAddress", "userAgent")
            )
        """,
    )
    assert [(p.field, p.operator, p.value, p.line) for p in rule.indicators()] == [
        ("userIdentity.type", "eq", "Root", 5),
        ("userIdentity.type", "eq", "AssumedRole", 5),
        ("commandLine", "contains", "mimikatz", 1),
        ("commandLine", "contains", "sekurlsa", 1),
        ("sourceIPAddress", "is_not_null", None, 16),
        ("userAgent", "is_not_null", None, 16),
    ]
    assert rule.notes == []


def test_unknown_helpers_are_notes_not_failures(tmp_path: Path) -> None:
    rule = read(
        tmp_path,
        "unknown",
        """
        from panther_unknown_helpers import is_trusted, lookup_owner


        def rule(event):
            if is_trusted(event.get("sourceIPAddress")):
                return False
            return event.get("eventName") == "PutBucketPolicy" and lookup_owner(event) != "security"
        """,
    )
    assert [(p.field, p.value) for p in rule.indicators()] == [("eventName", "PutBucketPolicy")]
    assert rule.exclusions() == []
    assert "helper is_trusted() not followed" in rule.notes
    assert "helper lookup_owner() not followed" in rule.notes


def test_global_helpers_are_read_from_the_checkout(tmp_path: Path) -> None:
    helpers = tmp_path / "global_helpers"
    helpers.mkdir()
    (helpers / "panther_demo_helpers.py").write_text(
        textwrap.dedent(
            """
            SUCCESS = ["Success", "Succeeded"]


            def demo_success(event):
                if event.get("errorCode", "") or event.get("errorMessage", ""):
                    return False
                return event.get("resultType") in SUCCESS
            """
        ),
        encoding="utf-8",
    )
    rule = read(
        tmp_path / "rules" / "demo_rules",
        "demo",
        """
        from panther_demo_helpers import demo_success


        def rule(event):
            return event.get("eventName") == "CreateUser" and demo_success(event)
        """,
    )
    assert [(p.field, p.operator, p.value, p.line) for p in rule.indicators()] == [
        ("eventName", "eq", "CreateUser", 5),
        # predicates of a helper point at the call in the rule's own file
        ("errorCode", "is_null", None, 5),
        ("errorMessage", "is_null", None, 5),
        ("resultType", "eq", "Success", 5),
        ("resultType", "eq", "Succeeded", 5),
    ]


def test_rules_that_match_everything_or_nothing(tmp_path: Path) -> None:
    everything = read(tmp_path, "everything", "def rule(event):\n    return True\n")
    assert everything.expression is None
    assert "rule() returns true for every event: no predicates" in everything.notes
    missing = read(tmp_path, "missing", "def title(event):\n    return 'x'\n")
    assert missing.expression is None and "no rule() function in missing.py" in missing.notes


def test_python_syntax_error_is_a_read_error_with_the_line(tmp_path: Path) -> None:
    path = write_rule(tmp_path, "broken", "def rule(event):\n    return event.get('x') ==\n")
    with pytest.raises(RuleReadError) as caught:
        READER.read(str(path), path.read_text(encoding="utf-8"))
    assert "broken.py: Python syntax error" in caught.value.message
    assert caught.value.line == 2


def test_reading_never_imports_or_executes_the_python(tmp_path: Path) -> None:
    """A rule body with side effects at import and in rule(): reading it leaves no trace."""
    marker = tmp_path / "marker.txt"
    shell_marker = tmp_path / "shell_marker.txt"
    body = f"""
    import os
    import sys

    open({str(marker)!r}, "w").write("imported")
    os.system("touch {shell_marker}")
    sys.modules["rulelint_side_effect_probe"] = sys
    raise SystemExit("executed")


    def rule(event):
        open({str(marker)!r}, "w").write("called")
        return event.get("eventName") == "ConsoleLogin"
    """
    path = write_rule(tmp_path, "side_effects", body)
    modules_before = set(sys.modules)
    result = read_rule_file(str(path))
    assert result is not None and result.error is None
    assert [(p.field, p.value) for p in result.rules[0].indicators()] == [
        ("eventName", "ConsoleLogin")
    ]
    assert not marker.exists()
    assert not shell_marker.exists()
    assert "rulelint_side_effect_probe" not in sys.modules
    assert not {m for m in set(sys.modules) - modules_before if "side_effects" in m}
    assert not list(tmp_path.glob("__pycache__"))


def test_deeply_nested_python_is_refused_cleanly(tmp_path: Path) -> None:
    body = "def rule(event):\n    return " + "(" * 400 + "event.get('x') == 1" + ")" * 400 + "\n"
    path = write_rule(tmp_path, "deep", body)
    result = read_rule_file(str(path))
    assert result is not None
    if result.error is None:
        assert [(p.field, p.value) for p in result.rules[0].indicators()] == [("x", "1")]
    else:
        assert "deep" in result.error
