"""The student's own gradient check: their gradient function against central differences of their own loss.

    print_gradient_check(gradient, loss)    gradient(params, x, t) -> [dW^1, db^1, ..., dW^L, db^L]
                                            loss(params, x, t) -> the batch loss (a number)

The case is a strong setup (widths all different, N >= 3, N different from every width), so the classic
mistakes show (no 1/N, a transpose, a layer off by one). Nothing here raises: a missing implementation or a
broken return value is printed, so a release notebook that calls it never fails.
"""
import numpy as np

from .gradcheck import numerical_gradient, relative_error
from .testing.calls import call
from .testing.compare import TOLERANCE
from .testing.networks import random_network
from .testing.plain import plain_arrays


def print_gradient_check(gradient, loss, sizes=(3, 6, 5, 4), n_samples=7, seed=0, targets="one-hot",
                         function_name="backward"):
    """Print 'array, shape, relative error, OK/NG' for every gradient array and a verdict; return the errors
    (None when the gradient could not be computed)."""
    params, x, t = random_network(sizes, n_samples, seed, targets)
    print(f"勾配チェック: 層の幅 {list(sizes)}, サンプル数 N = {n_samples}, 数値微分(中心差分)と比較")
    answer = call(gradient, function_name, {"params": params, "x": x, "t": t})
    names = [f"d{p}^{l}" for l in range(1, len(sizes)) for p in ("W", "b")]
    try:
        if "error" in answer:
            raise AssertionError(answer["error"])
        grads = plain_arrays(answer["value"], names, [p.shape for p in params],
                             [f"{p} と同じ形" for l in range(1, len(sizes)) for p in (f"W^{l}", f"b^{l}")])
    except AssertionError as problem:
        print(f"実行できませんでした:\n{problem}")
        return None
    numeric = numerical_gradient(lambda: loss(params, x, t), params)
    errors = [relative_error(g, n) for g, n in zip(grads, numeric)]
    for name, grad, error in zip(names, grads, errors):
        print(f"  {name:6s} 形 {str(grad.shape):9s} 相対誤差 {error:9.2e}  {'OK' if error <= TOLERANCE else 'NG'}")
    if all(error <= TOLERANCE for error in errors):
        print(f"判定: すべての配列で相対誤差が {TOLERANCE:.0e} 以下です。勾配は数値微分と一致しています。")
    else:
        print(f"判定: 相対誤差が {TOLERANCE:.0e} を超える配列があります。NG の配列の式を見直してください。")
    if answer["changed"]:
        print("注意: " + "、".join(answer["changed"]) + " の中身が書き換えられています。引数は変更しないでください。")
    return errors
