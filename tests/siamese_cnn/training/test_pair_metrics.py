import numpy as np

from siamtrack.siamese_cnn.training.pair_metrics import best_accuracy, equal_error_rate, rank1, roc_auc


def test_auc_on_hand_cases():
    assert roc_auc(np.array([0.9, 0.8, 0.1, 0.2]), np.array([1, 1, 0, 0])) == 1.0
    assert roc_auc(np.array([0.1, 0.2, 0.9, 0.8]), np.array([1, 1, 0, 0])) == 0.0
    # one positive above one negative, below the other: 1/2; a tie counts half
    assert roc_auc(np.array([0.5, 0.6, 0.4]), np.array([1, 0, 0])) == 0.5
    assert roc_auc(np.array([0.5, 0.5]), np.array([1, 0])) == 0.5


def test_eer_and_best_accuracy():
    scores = np.array([0.9, 0.8, 0.7, 0.3, 0.2, 0.1])
    same = np.array([1, 1, 0, 1, 0, 0])
    acc, threshold = best_accuracy(scores, same)
    assert acc == 5 / 6 and threshold == 0.8
    assert abs(equal_error_rate(scores, same) - 1 / 3) < 1e-9
    assert equal_error_rate(np.array([0.9, 0.1]), np.array([1, 0])) == 0.0


def test_rank1_counts_only_queries_with_a_match():
    query = np.array([0, 0, 1, 1, 2, 2])
    scores = np.array([0.9, 0.2, 0.3, 0.8, 0.5, 0.4])
    same = np.array([1, 0, 1, 0, 0, 0])  # query 0 right, query 1 wrong, query 2 has no match
    assert rank1(scores, same, query) == 0.5
