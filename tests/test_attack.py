from rulelint.attack import default_attack, load_attack


def test_v18_ids_that_moved_share_the_v19_page() -> None:
    attack = default_attack()
    assert attack.page_id("T1562.001") == "T1685"
    assert attack.page_id("t1070.001") == "T1685.005"
    assert attack.rollup(["T1562.002", "T1021.002"]) == ["T1021", "T1021.002", "T1685", "T1685.001"]


def test_v19_ids_and_tactics_are_known() -> None:
    attack = default_attack()
    assert attack.name("T1685") == "Disable or Modify Tools"
    assert attack.lookup("T1686.003") is not None
    assert attack.tactic_by_any("stealth") is not None
    assert attack.tactic_by_any("defense-impairment")[1] == "TA0112"  # type: ignore[index]
    assert attack.tactic_by_any("lateral_movement")[1] == "TA0008"  # type: ignore[index]
    assert attack.tactic_by_any("not-a-tactic") is None


def test_a_stix_bundle_replaces_the_table(tmp_path) -> None:  # type: ignore[no-untyped-def]
    bundle = tmp_path / "enterprise-attack.json"
    bundle.write_text(
        """{"type": "bundle", "objects": [
        {"type": "x-mitre-collection", "x_mitre_version": "20.0"},
        {"type": "x-mitre-tactic", "name": "Lateral Movement", "x_mitre_shortname": "lateral-movement",
         "external_references": [{"source_name": "mitre-attack", "external_id": "TA0008"}]},
        {"type": "attack-pattern", "name": "Remote Services",
         "kill_chain_phases": [{"kill_chain_name": "mitre-attack", "phase_name": "lateral-movement"}],
         "external_references": [{"source_name": "mitre-attack", "external_id": "T1021",
                                  "url": "https://attack.mitre.org/techniques/T1021"}]},
        {"type": "attack-pattern", "name": "Future Technique", "x_mitre_deprecated": true,
         "external_references": [{"source_name": "mitre-attack", "external_id": "T1999"}]}
        ]}""",
        encoding="utf-8",
    )
    attack = load_attack(bundle)
    assert attack.version == "STIX 20.0"
    assert attack.name("T1021") == "Remote Services"
    assert attack.lookup("T1999").deprecated  # type: ignore[union-attr]
    assert attack.lookup("T1059") is None  # only what the bundle holds (plus v19 additions)
