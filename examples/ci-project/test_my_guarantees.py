"""A user's own guarantee test, next to the scenario file the gelato plugin collects."""

from gelato_theory import preset


def test_paper_like_sample_path_guarantees(gelato_guarantees):
    scenario = preset("paper-like").replace(**{"control.V": (0.01, 0.1)})
    gelato_guarantees(
        scenario,
        claims=["theorem3_backlog", "violation_identity"],
        policies=["gelato-exact"],
        seeds=4,
        horizon=500,
    )
