"""The kernel client of a sandboxed kernel: the output budget (output_budget.py) and a readiness check
that does not wait for silence.

jupyter_client's `wait_for_ready` asks kernel_info until the kernel answers on shell and its iopub
channel delivers a message, then reads iopub until 0.2 s pass without a message: a fixed 0.2 s on every
kernel start, a third of a one-cell notebook's wall time. Here the kernel is ready as soon as it has
answered on shell and iopub has delivered the `idle` status of that request (or anything, followed by a
short silence: a subscription made after the kernel published that status); what iopub already holds
then is read at once and dropped. A late message of the kernel_info request costs nothing: nbclient
keeps only iopub messages whose parent is the cell it runs.
"""
from __future__ import annotations

import time
from queue import Empty

from .output_budget import BudgetedKernelClient

SHELL_WAIT = 1.0   # seconds for one kernel_info reply before asking again
IOPUB_WAIT = 0.2   # seconds of iopub silence after which a connected iopub counts as heard


class SandboxedKernelClient(BudgetedKernelClient):
    """The client nbclient gets from a SandboxedKernelManager."""

    async def _async_wait_for_ready(self, timeout: float | None = None) -> None:
        give_up = time.monotonic() + (float("inf") if timeout is None else timeout)
        while True:
            self.kernel_info()
            try:
                reply = await self.shell_channel.get_msg(timeout=SHELL_WAIT)
            except Empty:
                reply = None
            if reply is not None and reply["msg_type"] == "kernel_info_reply":
                if await self._iopub_heard(reply["parent_header"].get("msg_id")):
                    self._handle_kernel_info_reply(reply)
                    break
            if not await self._async_is_alive():
                raise RuntimeError("Kernel died before replying to kernel_info")
            if time.monotonic() > give_up:
                raise RuntimeError(f"Kernel didn't respond in {timeout} seconds")
        await self._drop_pending_iopub()

    wait_for_ready = _async_wait_for_ready

    async def _iopub_heard(self, request_id: str | None) -> bool:
        """True once iopub delivers the idle status of `request_id`, or anything then IOPUB_WAIT of
        silence; False when it stays silent (not subscribed yet: ask again)."""
        heard = False
        while True:
            try:
                msg = await self.iopub_channel.get_msg(timeout=IOPUB_WAIT)
            except Empty:
                return heard
            heard = True
            if (msg["msg_type"] == "status" and msg["content"].get("execution_state") == "idle"
                    and msg["parent_header"].get("msg_id") == request_id):
                return True

    async def _drop_pending_iopub(self) -> None:
        """Read, without waiting, whatever iopub already holds (start-up statuses)."""
        while True:
            try:
                await self.iopub_channel.get_msg(timeout=0)
            except Empty:
                return
