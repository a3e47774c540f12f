import numpy as np
import pytest

from training.metrics import classification_metrics, confusion_matrix


def test_matches_hand_computed_sklearn_definitions():
    # class 0: P=1/2 R=1/2 F1=1/2; class 1: P=2/3 R=1 F1=0.8; class 2: never predicted -> P=0, F1=0
    result = classification_metrics(np.array([0, 0, 1, 1, 2]), np.array([0, 1, 1, 1, 0]), 3)
    assert result["accuracy"] == pytest.approx(0.6)
    assert result["macroF1"] == pytest.approx((0.5 + 0.8 + 0.0) / 3)
    assert result["weightedF1"] == pytest.approx((2 * 0.5 + 2 * 0.8 + 1 * 0.0) / 5)


def test_macro_average_covers_labels_seen_in_either_array_only():
    # labels {0, 3} appear; 1 and 2 do not and must not dilute the macro average (sklearn's labels=None)
    result = classification_metrics(np.array([0, 0]), np.array([0, 3]), 4)
    assert result["macroF1"] == pytest.approx((2 / 3 + 0.0) / 2)
    assert result["weightedF1"] == pytest.approx(2 / 3)


def test_perfect_predictions():
    labels = np.array([2, 0, 1, 1])
    assert classification_metrics(labels, labels, 3) == {"accuracy": 1.0, "weightedF1": 1.0, "macroF1": 1.0}


def test_confusion_matrix_rows_are_true_labels():
    matrix = confusion_matrix(np.array([0, 1, 1]), np.array([1, 1, 0]), 2)
    assert matrix.tolist() == [[0, 1], [1, 1]]


def test_rejects_mismatched_lengths():
    with pytest.raises(ValueError):
        classification_metrics(np.array([0, 1]), np.array([0]), 2)
