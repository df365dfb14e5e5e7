from rulelint.model import And, Not, Or, Predicate, exclusions, indicators, simplify


def p(field: str, value: str) -> Predicate:
    return Predicate(field, field, "eq", value)


def test_indicators_and_exclusions_follow_top_level_negation() -> None:
    tree = And(
        [
            Or([p("a", "1"), p("b", "2")]),
            Not(Or([p("c", "3"), And([p("d", "4"), Not(p("e", "5"))])])),
        ]
    )
    assert [x.value for x in indicators(tree)] == ["1", "2"]
    # e is under a second negation inside the exclusion: neither an indicator nor an exclusion
    assert [x.value for x in exclusions(tree)] == ["3", "4"]


def test_exclusions_inside_alternatives_still_count() -> None:
    tree = Or([And([p("a", "1"), Not(p("f", "x"))]), And([p("b", "2"), Not(p("g", "y"))])])
    assert [x.value for x in exclusions(tree)] == ["x", "y"]


def test_simplify_flattens_and_drops_double_negation() -> None:
    tree = And([And([p("a", "1"), p("b", "2")]), Not(Not(p("c", "3"))), Or([p("d", "4")])])
    simple = simplify(tree)
    assert isinstance(simple, And)
    assert [c.value for c in simple.children] == ["1", "2", "3", "4"]  # type: ignore[union-attr]


def test_simplify_keeps_sequence_joins_apart() -> None:
    tree = And([And([p("a", "1"), p("b", "2")], kind="sequence"), p("c", "3")])
    simple = simplify(tree)
    assert isinstance(simple, And) and isinstance(simple.children[0], And)
    assert simple.children[0].kind == "sequence"
