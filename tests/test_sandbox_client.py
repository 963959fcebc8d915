"""The sandboxed kernel client's readiness check (lib/backprop_course/sandbox/client.py), on scripted
channels: ready once the kernel has answered and iopub has delivered, without listening for silence."""
import asyncio
from concurrent.futures import ThreadPoolExecutor
from queue import Empty

from backprop_course.sandbox.client import IOPUB_WAIT, SandboxedKernelClient


def message(kind, parent=None, **content):
    return {"msg_type": kind, "header": {"msg_type": kind}, "parent_header": {"msg_id": parent} if parent else {},
            "content": content}


def wait_ready(client, timeout=5):
    """client.wait_for_ready in an event loop of its own thread (the suite's earlier tests may leave one running
    in this thread, where asyncio.run refuses to start)."""
    with ThreadPoolExecutor(1) as alone:
        return alone.submit(asyncio.run, client.wait_for_ready(timeout=timeout)).result()


class ScriptedChannel:
    """Hands out its messages in order; records the timeout of every read (a read past the end is Empty)."""

    def __init__(self, messages):
        self.messages, self.timeouts = list(messages), []

    async def get_msg(self, timeout=None):
        self.timeouts.append(timeout)
        if not self.messages:
            raise Empty
        return self.messages.pop(0)


class ScriptedClient(SandboxedKernelClient):
    """A client whose kernel_info requests are numbered k1, k2, ... and whose channels are scripted."""

    def __init__(self, shell, iopub):
        super().__init__()
        self._shell, self._iopub, self.asked = shell, iopub, []

    @property
    def shell_channel(self):
        return self._shell

    @property
    def iopub_channel(self):
        return self._iopub

    def kernel_info(self):
        self.asked.append(f"k{len(self.asked) + 1}")
        return self.asked[-1]

    async def _async_is_alive(self):
        return True


def reply(parent):
    return message("kernel_info_reply", parent, protocol_version="5.3")


def test_ready_at_the_idle_status_of_the_answered_request_and_pending_messages_read_without_waiting():
    iopub = ScriptedChannel([message("iopub_welcome"), message("status", "k1", execution_state="busy"),
                             message("status", "k1", execution_state="idle"), message("status", "k0", execution_state="idle")])
    client = ScriptedClient(ScriptedChannel([reply("k1")]), iopub)
    wait_ready(client)
    assert client.asked == ["k1"]
    assert iopub.messages == []                       # what iopub held is read...
    assert iopub.timeouts[3:] == [0, 0]               # ...after the idle status, without waiting for more


class SilentUntilAskedTwice(ScriptedChannel):
    """An iopub not yet subscribed when the first request's statuses went out: delivers the second's idle."""

    asker = None

    async def get_msg(self, timeout=None):
        if len(self.asker.asked) == 2 and timeout and not self.timeouts.count("delivered"):
            self.timeouts += [timeout, "delivered"]
            return message("status", "k2", execution_state="idle")
        return await super().get_msg(timeout)


def test_a_silent_iopub_asks_again_until_it_delivers():
    iopub = SilentUntilAskedTwice([])
    client = ScriptedClient(ScriptedChannel([reply("k1"), reply("k2")]), iopub)
    iopub.asker = client
    wait_ready(client)
    assert client.asked == ["k1", "k2"]
    assert iopub.timeouts == [IOPUB_WAIT, IOPUB_WAIT, "delivered", 0]


def test_an_iopub_that_delivered_something_counts_as_connected_after_a_short_silence():
    # Subscribed after the kernel published the request's statuses: only the welcome arrives.
    iopub = ScriptedChannel([message("iopub_welcome")])
    client = ScriptedClient(ScriptedChannel([reply("k1")]), iopub)
    wait_ready(client)
    assert client.asked == ["k1"] and iopub.timeouts == [IOPUB_WAIT, IOPUB_WAIT, 0]
