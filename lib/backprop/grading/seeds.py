"""The grader's choice of hidden cases: deterministic per submission, unpredictable without the course secret.

key = HMAC-SHA256(course secret, student id, assignment, notebook, SHA-256 of the submitted notebook). The same
submission graded twice gets the same cases (and so the same score); a changed submission, another student, or
anyone without the secret gets cases that cannot be computed in advance. The secret never enters a kernel.
"""
import hashlib
import hmac

import numpy as np


def grading_key(secret: bytes, student: str, assignment: str, notebook: str, submission: bytes) -> bytes:
    """The key of one submitted notebook (32 bytes)."""
    digest = hashlib.sha256(submission).hexdigest()
    message = "\x00".join([student, assignment, notebook, digest]).encode("utf-8")
    return hmac.new(secret, message, hashlib.sha256).digest()


def case_rng(key: bytes | None, notebook: str, test_id: str):
    """The random generator that builds one test's case; None (the visible case) when key is None."""
    if key is None:
        return None
    seed = hmac.new(key, f"{notebook}/{test_id}".encode("utf-8"), hashlib.sha256).digest()
    return np.random.default_rng(int.from_bytes(seed[:16], "little"))
