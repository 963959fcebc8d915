"""Hidden network sizes drawn within the strong setup (N >= 3, all widths different and different from N)."""
from ..cases import make_case, strong_setup_problems


def strong_sizes(rng, depth, widths=(2, 11), samples=(3, 12), n_output=None):
    """(sizes (D, n_1, ..., n_L), N) with depth L, widths and N drawn from the given ranges (inclusive)."""
    while True:
        sizes = [int(n) for n in rng.integers(widths[0], widths[1] + 1, size=depth + 1)]
        if n_output is not None:
            sizes[-1] = n_output
        n_samples = int(rng.integers(samples[0], samples[1] + 1))
        if not strong_setup_problems(sizes, n_samples):
            return tuple(sizes), n_samples


def strong_case(rng, depth, fixed=None, **kwargs):
    """A Case of a drawn strong setup; with rng None, the case `fixed` = (sizes, N, seed)."""
    if rng is None:
        sizes, n_samples, seed = fixed
        return make_case(sizes, n_samples, seed=seed, **kwargs)
    sizes, n_samples = strong_sizes(rng, depth)
    return make_case(sizes, n_samples, seed=int(rng.integers(2**31)), **kwargs)
