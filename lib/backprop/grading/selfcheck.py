"""The student's own gradient check: run their gradient function on a small visible case and print,
in Japanese, the relative error of every array against numerical differentiation.

Nothing here raises: a missing implementation or a broken return value is printed as such, so a
notebook cell that calls `print_gradient_check` never fails in a release copy.
"""
from .cases import make_case
from .exercises import default_arguments, run_gradient_function
from .judge import TOLERANCE, GradingError, judge_arrays, relative_errors
from .reference import numerical_param_gradients


def print_gradient_check(backward, sizes=(3, 6, 5, 4), n_samples=7, seed=0, hidden="sigmoid", output="softmax",
                         function_name="backward", arguments=default_arguments):
    """Print a table 'array, shape, relative error, OK/NG' and a verdict; return the errors (None if it could
    not run). sizes, n_samples, seed, hidden, output: the network and batch checked (a strong setup)."""
    case = make_case(sizes, n_samples, hidden=hidden, output=output, seed=seed)
    print(f"勾配チェック: 層の幅 {list(case.sizes)}, サンプル数 N = {case.n_samples}, 数値微分（中心差分）と比較")
    try:
        outcome, grads = run_gradient_function(backward, case, function_name, arguments)
    except AssertionError as problem:
        print(f"実行できませんでした:\n{problem}")
        return None
    numeric = numerical_param_gradients(case)
    errors = relative_errors(grads, numeric)
    for name, grad, error in zip(case.param_names(), grads, errors):
        verdict = "OK" if error <= TOLERANCE else "NG"
        print(f"  {name:6s} 形 {str(grad.shape):9s} 相対誤差 {error:9.2e}  {verdict}")
    try:
        judge_arrays(grads, numeric, case.param_names(), "backward", case, inputs=arguments(case),
                     changed=outcome.changed)
    except GradingError as wrong:
        print(f"判定: 相対誤差が {TOLERANCE:.0e} を超える配列があります。\n{wrong}")
        return errors
    print(f"判定: すべての配列で相対誤差が {TOLERANCE:.0e} 以下です。勾配は数値微分と一致しています。")
    if outcome.changed:
        print("注意: " + "、".join(outcome.changed) + " の中身が書き換えられています。引数は変更しないでください。")
    return errors
