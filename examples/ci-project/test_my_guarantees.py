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


def test_my_policy_keeps_the_sample_path_guarantees(gelato_guarantees):
    from my_policy import MyDPP

    scenario = preset("default").replace(**{"control.V": (0.03, 0.3)})
    report = gelato_guarantees(
        scenario,
        claims=["theorem3_backlog", "violation_identity"],
        policies=[MyDPP],  # a class (or "my_policy:MyDPP", or an instance)
        seeds=4,
        horizon=500,
    )
    assert report.results[0].policy == "my-dpp"
