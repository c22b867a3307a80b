import numpy as np

from siamtrack.association.flow_solver import log_odds_cost, solve_min_cost_flow


def test_two_chains_and_a_false_positive():
    # detections: 0,1,2 one person; 3,4 another; 5 a lone weak detection
    obs = log_odds_cost(np.array([0.9, 0.9, 0.9, 0.9, 0.9, 0.3]))
    link_from = np.array([0, 1, 3, 0, 3])
    link_to = np.array([1, 2, 4, 4, 1])
    link_p = np.array([0.95, 0.95, 0.95, 0.05, 0.05])
    chains = solve_min_cost_flow(6, obs, link_from, link_to, log_odds_cost(link_p), entry_cost=2.0, exit_cost=2.0)
    assert sorted(chains) == [[0, 1, 2], [3, 4]]


def test_empty_and_unlinked():
    assert solve_min_cost_flow(0, np.zeros(0), np.zeros(0, int), np.zeros(0, int), np.zeros(0), 1.0, 1.0) == []
    # a very confident single detection is worth a track of its own
    chains = solve_min_cost_flow(1, log_odds_cost(np.array([0.999])), np.zeros(0, int), np.zeros(0, int),
                                 np.zeros(0), 1.0, 1.0)
    assert chains == [[0]]
