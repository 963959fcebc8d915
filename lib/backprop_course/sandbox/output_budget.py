"""A cap on how much output one grading kernel can send to the grader.

Without it a cell printing in a loop fills the grader's memory and the executed notebook (gigabytes
within one cell timeout). The kernel client of a sandboxed kernel counts the characters of every
output message; past the policy's `max_output_mb`, outputs arrive emptied, after one Japanese notice
in the cell where the budget ran out. What nbgrader scores by is kept: errors (always shortened to
TEXT_LIMIT characters per line), the stream name (stderr zeroes a test cell) and an execute_result's
text (a number there is a partial score).
"""
from __future__ import annotations

from jupyter_client.asynchronous.client import AsyncKernelClient
from jupyter_client.channels import AsyncZMQSocketChannel

from .policy import MB

OUTPUT_TYPES = ("stream", "display_data", "execute_result", "update_display_data")
TEXT_LIMIT = 10_000  # characters kept of an error value, a traceback line or a result once over budget


def _size(content: dict) -> int:
    if "text" in content:
        return len(content["text"])
    return sum(len(str(value)) for value in content.get("data", {}).values())


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


class BudgetedIOPubChannel(AsyncZMQSocketChannel):
    """The iopub channel, spending an output budget (bytes) set by the client."""

    budget: int | None = None
    spent: int = 0
    announced: bool = False

    async def get_msg(self, timeout: float | None = None) -> dict:
        return self.spend(await super().get_msg(timeout))

    def spend(self, msg: dict) -> dict:
        """The message as the grader should see it, once its size has been counted."""
        if self.budget is None:
            return msg
        kind = msg["header"]["msg_type"]
        if kind == "error":  # always kept, never huge
            content = msg["content"]
            content["evalue"] = str(content.get("evalue", ""))[:TEXT_LIMIT]
            content["traceback"] = [str(line)[:TEXT_LIMIT] for line in content.get("traceback", [])[-50:]]
            return msg
        if kind not in OUTPUT_TYPES:
            return msg
        self.spent += _size(msg["content"])
        if self.spent <= self.budget:
            return msg
        notice = "" if self.announced else (
            f"\n[出力が多すぎるため、ここから先の出力は省略しました（上限 {self.budget // MB} MB）]\n")
        self.announced = True
        return _emptied(msg, notice)


class BudgetedKernelClient(AsyncKernelClient):
    """The client nbclient gets from a SandboxedKernelManager: its iopub channel has a budget."""

    iopub_channel_class = BudgetedIOPubChannel

    @property
    def iopub_channel(self):
        channel = super().iopub_channel
        if channel.budget is None and self.parent is not None:
            channel.budget = self.parent.policy.max_output_mb * MB
        return channel
