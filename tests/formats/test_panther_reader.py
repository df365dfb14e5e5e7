"""Panther reader: YAML metadata, scheduled-query SQL, correlation rules, sniffing and fixes."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from rulelint.formats import detect_format, read_rule_file
from rulelint.formats.base import ExclusionFix
from rulelint.formats.errors import RuleReadError
from rulelint.formats.panther.reader import PantherReader
from rulelint.model import Not

READER = PantherReader()

RULE_YAML = """AnalysisType: rule
Filename: aws_console_root_login.py
RuleID: "AWS.Console.RootLogin"
DisplayName: "Root Console Login"
Enabled: true
Status: Experimental
LogTypes:
  - AWS.CloudTrail
Tags:
  - AWS
Reports:
  CIS:
    - 3.6
  MITRE ATT&CK:
    - TA0004:T1078
    - TA0001:T1078.004,T1133
    - TA0005
Severity: High
Description: The root account has been logged into.
Tests:
  - Name: Successful Root Login
    ExpectedResult: true
    Log:
      { "eventName": "ConsoleLogin", "userIdentity": { "type": "Root" } }
  - Name: Non-Login Event
    ExpectedResult: false
    Log:
      { "eventName": "DescribeTable" }
"""

RULE_PY = """def rule(event):
    if event.deep_get("userIdentity", "type") != "Root":
        return False
    return event.get("eventName") == "ConsoleLogin"
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_metadata_tests_and_attack(tmp_path: Path) -> None:
    path = write(tmp_path, "aws_console_root_login.yml", RULE_YAML)
    write(tmp_path, "aws_console_root_login.py", RULE_PY)
    result = read_rule_file(str(path))
    assert result is not None and result.format == "panther" and result.error is None
    (rule,) = result.rules
    assert (rule.id, rule.vendor, rule.title, rule.level, rule.status) == (
        "AWS.Console.RootLogin",
        "panther",
        "Root Console Login",
        "high",
        "experimental",
    )
    assert rule.language == "panther-python"
    assert rule.techniques == ["T1078", "T1078.004", "T1133"]
    assert rule.tactics == ["defense-evasion", "initial-access", "privilege-escalation"]
    assert [(t.kind, t.id, t.line) for t in rule.attack_tags][:2] == [
        ("tactic", "privilege-escalation", 15),
        ("technique", "T1078", 15),
    ]
    assert rule.events == ["aws:cloudtrail"]
    assert rule.platforms == ["aws"]
    assert rule.extra["enabled"] is True
    assert rule.extra["log_types"] == ["AWS.CloudTrail"]
    assert rule.extra["tests"] == [
        {"name": "Successful Root Login", "expected": True, "line": 21},
        {"name": "Non-Login Event", "expected": False, "line": 25},
    ]
    assert [(p.field, p.canonical_field, p.value, p.line) for p in rule.indicators()] == [
        ("userIdentity.type", "aws.cloudtrail.user_identity.type", "Root", 2),
        ("eventName", "event.action", "ConsoleLogin", 4),
    ]
    assert not rule.deprecated


def test_missing_python_body_is_metadata_only(tmp_path: Path) -> None:
    path = write(tmp_path, "aws_console_root_login.yml", RULE_YAML)
    (rule,) = READER.read(str(path), path.read_text(encoding="utf-8"))
    assert rule.expression is None
    assert rule.notes == ["python body not available"]
    assert rule.techniques == ["T1078", "T1078.004", "T1133"]


def test_deprecated_status(tmp_path: Path) -> None:
    text = RULE_YAML.replace("Status: Experimental", "Status: Deprecated")
    (rule,) = READER.read(str(tmp_path / "x.yml"), text)
    assert rule.deprecated and rule.status == "deprecated"


def test_filename_must_be_a_sibling_python_file(tmp_path: Path) -> None:
    text = RULE_YAML.replace("Filename: aws_console_root_login.py", "Filename: ../../etc/passwd.py")
    with pytest.raises(RuleReadError) as caught:
        READER.read(str(tmp_path / "x.yml"), text)
    assert caught.value.line == 2 and "beside the YAML" in caught.value.message


SCHEDULED_QUERY = """AnalysisType: scheduled_query
QueryName: "AWS Console Logins Without MFA"
Enabled: false
Description: Console logins without MFA from outside the VPN.
Query: |
  WITH logins AS (
    SELECT *
    FROM panther_logs.public.aws_cloudtrail
    WHERE p_occurs_since('1 day')
      AND eventName = 'ConsoleLogin'
      AND additionalEventData:MFAUsed != 'Yes'
      AND (eventSource IN ('signin.amazonaws.com', 'sts.amazonaws.com') OR userAgent ILIKE '%console%')
      AND sourceIPAddress NOT LIKE '10.%'
      AND errorCode IS NULL
      AND array_contains(recipientAccountId::variant, ['111122223333'])
      AND SPLIT_PART(userIdentity:arn, '/', -1) = 'admin'
    GROUP BY 1
  )
  SELECT * FROM logins WHERE cnt > 3
Schedule:
  RateMinutes: 60
Tags:
  - AWS
"""


def test_scheduled_query_simple_where_predicates() -> None:
    (rule,) = READER.read("/q/console_logins.yml", SCHEDULED_QUERY)
    assert rule.language == "panther-sql"
    assert rule.id == "AWS Console Logins Without MFA"
    assert rule.events == ["aws:cloudtrail"]
    assert [
        (p.field, p.canonical_field, p.operator, p.value, p.line, p.how) for p in rule.indicators()
    ] == [
        ("eventName", "event.action", "eq", "ConsoleLogin", 10, "="),
        ("eventSource", "event.provider", "eq", "signin.amazonaws.com", 12, "IN"),
        ("eventSource", "event.provider", "eq", "sts.amazonaws.com", 12, "IN"),
        ("userAgent", "user_agent.original", "contains", "console", 12, "ILIKE"),
        ("errorCode", "aws.cloudtrail.error_code", "is_null", None, 14, "IS NULL"),
        ("recipientAccountId", "cloud.account.id", "eq", "111122223333", 15, "ARRAY_CONTAINS"),
    ]
    assert [(p.field, p.operator, p.value) for p in rule.exclusions()] == [
        ("additionalEventData.MFAUsed", "eq", "Yes"),
        ("sourceIPAddress", "starts_with", "10."),
    ]
    assert rule.indicators()[0].column == 23  # in the file: the block scalar's indentation counts
    assert "1 WHERE condition(s) not simple enough to read (functions, sub-queries)" in rule.notes


def test_scheduled_query_without_log_tables() -> None:
    text = SCHEDULED_QUERY.replace(
        "panther_logs.public.aws_cloudtrail", "snowflake.account_usage.login_history"
    )
    (rule,) = READER.read("/q/x.yml", text)
    assert rule.expression is None and rule.events == []
    assert "scheduled query: no simple WHERE predicates" in rule.notes


def test_correlation_rule_is_catalogued_without_predicates() -> None:
    text = """AnalysisType: correlation_rule
RuleID: "Okta.Login.WITH.MFA.Reset"
DisplayName: "Okta login then MFA reset"
Enabled: true
Severity: High
Reports:
  MITRE ATT&CK:
    - TA0003:T1098
Detection:
  - Sequence:
      - ID: Login
        RuleID: Okta.Login.Success
      - ID: Reset
        RuleID: Okta.User.MFA.Reset
    LookbackWindowMinutes: 60
"""
    (rule,) = READER.read("/c/corr.yml", text)
    assert rule.language == "panther-correlation"
    assert rule.expression is None
    assert rule.extra["detection"] == ["Okta.Login.Success", "Okta.User.MFA.Reset"]
    assert rule.techniques == ["T1098"]
    assert rule.notes == ["correlation rule: catalogued without predicates"]


def test_policy_is_catalogued_without_predicates() -> None:
    text = """AnalysisType: policy
Filename: s3_bucket_encryption.py
PolicyID: "AWS.S3.Bucket.Encryption"
DisplayName: "S3 bucket encryption"
ResourceTypes:
  - AWS.S3.Bucket
Severity: Medium
"""
    (rule,) = READER.read("/p/policy.yml", text)
    assert (rule.id, rule.language, rule.expression) == (
        "AWS.S3.Bucket.Encryption",
        "panther-policy",
        None,
    )
    assert rule.extra["resource_types"] == ["AWS.S3.Bucket"]


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        ("AnalysisType: rule\nRuleID: x\n", True),
        ("AnalysisType: scheduled_rule\n", True),
        ("AnalysisType: correlation_rule\n", True),
        ("AnalysisType: scheduled_query\n", True),
        ("AnalysisType: policy\n", True),
        ("RuleID: x\nLogTypes: []\n", True),
        ("AnalysisType: datamodel\nDataModelID: x\n", False),
        ("AnalysisType: saved_query\n", False),
        ("AnalysisType: pack\n", False),
        ("AnalysisType: global\n", False),
        ("title: Sigma rule\ndetection:\n  condition: x\n", False),
    ],
)
def test_sniff(head: str, expected: bool) -> None:
    assert READER.sniff("x.yml", head) is expected


def test_detected_among_yaml_readers_and_python_alone_is_not_a_rule(tmp_path: Path) -> None:
    assert isinstance(detect_format("x.yml", RULE_YAML), PantherReader)
    body = write(tmp_path, "lone.py", RULE_PY)
    assert read_rule_file(str(body)) is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- a\n- b\n", "must be a YAML mapping"),
        ("AnalysisType: rule\nLogTypes: AWS.CloudTrail: x\n", "invalid YAML"),
        ("AnalysisType: rule\nRuleID: x\nLogTypes:\n  a: b\n", "LogTypes must be a list"),
        ("AnalysisType: datamodel\nRuleID: x\n", "is not a detection"),
    ],
)
def test_bad_yaml_is_a_read_error(text: str, message: str) -> None:
    with pytest.raises(RuleReadError) as caught:
        READER.read("/x/bad.yml", text)
    assert message in caught.value.message


# -- exclusion snippets ---------------------------------------------------------------------------


def fix(field: str, canonical: str, operator: str, value: str | None) -> ExclusionFix:
    return ExclusionFix(field, canonical, operator, value and value.lower(), value)


def test_exclusion_snippet_guards(tmp_path: Path) -> None:
    path = write(tmp_path, "aws_console_root_login.yml", RULE_YAML)
    write(tmp_path, "aws_console_root_login.py", RULE_PY)
    (rule,) = READER.read(str(path), path.read_text(encoding="utf-8"))
    snippet = READER.exclusion_snippet(
        rule,
        [
            fix("sourceIPAddress", "source.ip", "eq", "203.0.113.10"),
            fix(
                "userIdentity.arn",
                "aws.cloudtrail.user_identity.arn",
                "ends_with",
                ":role/BreakGlass",
            ),
            fix("user_agent.original", "user_agent.original", "contains", "Terraform"),
            fix("udm:actor_user", "user.name", "eq", "automation"),
            fix("errorCode", "aws.cloudtrail.error_code", "is_not_null", None),
        ],
    )
    assert snippet == "\n".join(
        [
            "if event.get('sourceIPAddress') == '203.0.113.10':\n    return False",
            "if str(event.deep_get('userIdentity', 'arn') or '').lower().endswith(':role/breakglass'):\n    return False",
            "if 'terraform' in str(event.get('userAgent') or '').lower():\n    return False",
            "if event.udm('actor_user') == 'automation':\n    return False",
            "if event.get('errorCode') is not None:\n    return False",
        ]
    )


def test_exclusion_snippet_guards_are_python_that_reads_back(tmp_path: Path) -> None:
    """Put the guard at the top of rule(): the rule now has that exclusion."""
    path = write(tmp_path, "aws_console_root_login.yml", RULE_YAML)
    write(tmp_path, "aws_console_root_login.py", RULE_PY)
    (rule,) = READER.read(str(path), path.read_text(encoding="utf-8"))
    snippet = READER.exclusion_snippet(
        rule, [fix("sourceIPAddress", "source.ip", "eq", "203.0.113.10")]
    )
    assert snippet is not None
    patched = RULE_PY.replace(
        "def rule(event):\n", "def rule(event):\n" + textwrap.indent(snippet, "    ") + "\n"
    )
    write(tmp_path, "aws_console_root_login.py", patched)
    (again,) = READER.read(str(path), path.read_text(encoding="utf-8"))
    assert [(p.canonical_field, p.value) for p in again.exclusions()] == [
        ("source.ip", "203.0.113.10")
    ]
    assert isinstance(again.expression.children[0], Not)  # type: ignore[union-attr]


def test_no_snippet_for_correlation_rules() -> None:
    text = "AnalysisType: correlation_rule\nRuleID: x\nDetection: []\n"
    (rule,) = READER.read("/c/x.yml", text)
    assert READER.exclusion_snippet(rule, [fix("a", "a", "eq", "b")]) is None


def test_attack_reports_do_not_disable_the_yaml_alias_guard() -> None:
    """Every Panther file says "MITRE ATT&CK"; a real anchor/alias bomb is still refused."""
    bomb = "AnalysisType: rule\nRuleID: x\nReports:\n  MITRE ATT&CK: [TA0001:T1078]\n"
    bomb += "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
    for level in "bcdefg":
        previous = chr(ord(level) - 1)
        bomb += f"{level}: &{level} [" + ", ".join([f"*{previous}"] * 10) + "]\n"
    with pytest.raises(RuleReadError, match="alias bomb"):
        READER.read("/x/bomb.yml", bomb)


PEER_PY = """def rule(event):
    if event.deep_get("userIdentity", "type") == "AWSService":
        return False
    return event.get("eventName") == "{name}"
"""


def test_findings_on_the_python_body_point_into_it(tmp_path: Path, capsys) -> None:
    """A predicate's line is in the .py beside the YAML: findings must say so, not the YAML."""
    import json

    from rulelint.cli import main
    from tests.helpers import build

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for index in range(6):
        write(corpus, f"peer_{index}.py", PEER_PY.format(name=f"Call{index}"))
        write(
            corpus,
            f"peer_{index}.yml",
            RULE_YAML.replace("aws_console_root_login.py", f"peer_{index}.py").replace(
                "AWS.Console.RootLogin", f"AWS.Peer{index}"
            ),
        )
    catalog = build(tmp_path, corpus)
    mine = tmp_path / "mine"
    mine.mkdir()
    body = write(
        mine,
        "aws_console_root_login.py",
        'import json\n\n\ndef rule(event):\n    return event.get("eventName") == "ConsoleLogin"\n',
    )
    write(mine, "aws_console_root_login.yml", RULE_YAML)
    code = main(["check", str(mine), "--catalog", str(catalog.path), "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    findings = [f for file in report["files"] for r in file["rules"] for f in r["findings"]]
    missing = [f for f in findings if f["code"] == "RL102"]
    assert code == 1 and len(missing) == 1
    assert missing[0]["path"] == str(body)
    assert missing[0]["line"] == 4  # def rule(event): after the import and blank lines
    assert "'AWSService'" in missing[0]["fix"] and "return False" in missing[0]["fix"]
    attack = [f for f in findings if f["code"].startswith("RL2")]
    assert all(f["path"] is None for f in attack)  # ATT&CK findings stay on the YAML


def test_a_python_body_is_checked_through_its_yaml(tmp_path: Path) -> None:
    """pre-commit and --changed-since pass the .py that changed: the rule is its YAML."""
    from rulelint.walk import iter_rule_files

    write(tmp_path, "aws_console_root_login.yml", RULE_YAML)
    body = write(tmp_path, "aws_console_root_login.py", RULE_PY)
    helper = write(tmp_path, "helpers.py", "X = 1\n")
    assert list(iter_rule_files([str(body)])) == [str(tmp_path / "aws_console_root_login.yml")]
    assert list(iter_rule_files([str(helper)])) == []
