"""Judging a student's trained regression model on held-out inputs that only a hidden test cell contains.

The hidden cell embeds x_heldout (M, D) and the noiseless targets t_heldout (M, 1), printed by the
instructor's tools/report11_data.py, and calls `check_heldout_rmse(model, x_heldout, t_heldout, max_rmse)`.
Messages report the RMSE reached, never the held-out data.
"""
import numpy as np

from .canary import guarded_check
from backprop_kit.testing.plain import plain_array
from .run import call_student


def heldout_rmse(model, x_heldout, t_heldout):
    """RMSE of model(x) (M, 1) or (M,) against t_heldout (M, 1); AssertionError (Japanese) on a bad return."""
    x = np.array(x_heldout, dtype=np.float64)
    t = np.array(t_heldout, dtype=np.float64).reshape(len(x), 1)
    outcome = call_student(model, {"x": x}, "report_model")
    value = outcome.value
    if isinstance(value, np.ndarray) and value.shape == (len(x),):
        value = value[:, None]                              # (M,) predictions are accepted as (M, 1)
    prediction = plain_array(value, "report_model の戻り値", t.shape, "(M, 1)（入力 1 行につき予測値 1 つ）")
    return float(np.sqrt(np.mean((prediction - t) ** 2)))


@guarded_check
def check_heldout_rmse(model, x_heldout, t_heldout, max_rmse):
    """AssertionError (Japanese) unless the model's RMSE on the held-out points is at most max_rmse.
    Returns None: a test cell ending with this call shows no value for nbgrader to read as partial credit."""
    rmse = heldout_rmse(model, x_heldout, t_heldout)
    if not rmse <= max_rmse:
        raise AssertionError(f"学習に使っていない地点での予測の RMSE は {rmse:.3f} で、基準の {max_rmse} 以下に"
                             "なりませんでした。ネットワークの大きさ、学習率、エポック数を見直してください。")
