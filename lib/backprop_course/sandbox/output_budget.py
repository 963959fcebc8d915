"""A cap on how much output one grading kernel can send to the grader.

Without it a cell printing in a loop fills the grader's memory and the executed notebook (gigabytes
within one cell timeout). The kernel client of a sandboxed kernel counts the characters of every
message on the iopub channel, whatever its type (errors, widget comm messages and clearing included);
past the policy's `max_output_mb`, outputs arrive emptied, after one Japanese notice in the cell where
the budget ran out, and the kernel manager is told once (an `output_limit` notice for the status).
What nbgrader scores by is kept: an error stays an error (its name, and SHORT_LIMIT characters of its
value once over budget; TEXT_LIMIT per line before), the stream name (stderr zeroes a test cell) and
an execute_result's text (a number there is a partial score). The messages the client needs to follow
the kernel (status, execute_input) are counted but never changed. Past the budget, only the first
message of each kind (and stream name) per cell is kept, shortened; later ones are dropped (they reach
the client as a 'busy' status, which adds nothing to the notebook), so even a flood of tiny messages
cannot grow the notebook.
"""
from __future__ import annotations

from jupyter_client.asynchronous.client import AsyncKernelClient
from jupyter_client.channels import AsyncZMQSocketChannel

from .policy import MB

OUTPUT_TYPES = ("stream", "display_data", "execute_result", "update_display_data")
CONTROL_TYPES = ("status", "execute_input", "clear_output", "shutdown_reply")
TEXT_LIMIT = 10_000  # characters kept of an error value, a traceback line or a result once over budget
SHORT_LIMIT = 200    # characters kept of an error's value once over budget


def _size(value) -> int:
    """Roughly the characters a message's content takes once written into a notebook."""
    if isinstance(value, str):
        return len(value)
    if isinstance(value, dict):
        return sum(len(str(key)) + _size(item) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return sum(_size(item) for item in value)
    return len(str(value))


def _shortened_error(content: dict, limit: int, lines: int) -> None:
    content["evalue"] = str(content.get("evalue", ""))[:limit]
    content["traceback"] = [str(line)[:TEXT_LIMIT] for line in content.get("traceback", [])[-lines:]]


def _emptied(msg: dict, notice: str) -> dict:
    """The message with its bulk removed, keeping what decides a score."""
    kind, content = msg["header"]["msg_type"], msg["content"]
    if kind == "stream":
        content["text"] = notice
    elif kind == "execute_result":
        content["data"] = {"text/plain": str(content.get("data", {}).get("text/plain", ""))[:TEXT_LIMIT]}
        content["metadata"] = {}
    else:  # display_data, update_display_data: nothing nbgrader reads
        msg["msg_type"] = msg["header"]["msg_type"] = "stream"
        msg["content"] = {"name": "stdout", "text": notice}
    return msg


def _dropped(msg: dict) -> dict:
    """A message turned into a 'busy' status of the same cell: the client records nothing for it."""
    msg["msg_type"] = msg["header"]["msg_type"] = "status"
    msg["content"] = {"execution_state": "busy"}
    return msg


class BudgetedIOPubChannel(AsyncZMQSocketChannel):
    """The iopub channel, spending an output budget (bytes) set by the client."""

    budget: int | None = None
    spent: int = 0
    announced: bool = False
    owner = None  # the kernel manager, told once when the budget runs out
    kept: set | None = None  # (cell's request id, kind, stream name) kept once over budget

    async def get_msg(self, timeout: float | None = None) -> dict:
        return self.spend(await super().get_msg(timeout))

    def spend(self, msg: dict) -> dict:
        """The message as the grader should see it, once its size has been counted."""
        if self.budget is None:
            return msg
        kind, content = msg["header"]["msg_type"], msg["content"]
        if kind == "error":
            _shortened_error(content, TEXT_LIMIT, 50)
        self.spent += _size(content)
        if self.spent <= self.budget or kind in CONTROL_TYPES:
            return msg
        notice = "" if self.announced else (
            f"\n[出力が多すぎるため、ここから先の出力は省略しました（上限 {self.budget // MB} MB）]\n")
        if not self.announced and self.owner is not None:
            self.owner.notices.append(("output_limit", f"outputs past {self.budget // MB} MB dropped"))
        self.announced = True
        first = (msg.get("parent_header", {}).get("msg_id"), kind, content.get("name"))
        self.kept = self.kept if self.kept is not None else set()
        if first in self.kept:
            return _dropped(msg)
        self.kept.add(first)
        if kind == "error":  # still an error (a failed test stays failed), without its bulk
            _shortened_error(content, SHORT_LIMIT, 0)
            content["traceback"] = [f"{content.get('ename', 'Error')}: {content['evalue']}"]
            return msg
        if kind.startswith("comm_"):  # widget state would land in the notebook's metadata
            content["data"] = {}
            return msg
        return _emptied(msg, notice)


class BudgetedKernelClient(AsyncKernelClient):
    """The client nbclient gets from a SandboxedKernelManager: its iopub channel has a budget."""

    iopub_channel_class = BudgetedIOPubChannel

    @property
    def iopub_channel(self):
        channel = super().iopub_channel
        if channel.budget is None and self.parent is not None:
            channel.budget = self.parent.policy.max_output_mb * MB
            channel.owner = self.parent
        return channel
