"""One process of several on a repository leads (``wiki.store.leadership``): a second cannot
take the lead while the first holds it, and takes it as soon as the first ends, however it ends."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from wiki.store.leadership import Leadership

HOLD = """
import sys
from pathlib import Path
from wiki.store.leadership import Leadership
assert Leadership(Path(sys.argv[1])).try_take()
print("leading", flush=True)
sys.stdin.read()
"""


def test_a_second_leader_waits_until_the_first_lets_go(tmp_path: Path) -> None:
    first, second = Leadership(tmp_path / "leader.flock"), Leadership(tmp_path / "leader.flock")
    assert first.try_take()
    assert not second.try_take()
    assert first.held
    assert not second.held
    first.release()
    assert second.try_take()
    assert (tmp_path / "leader.flock").read_text().strip().isdigit()  # the leader's process id
    second.release()


def test_a_killed_leader_is_replaced_at_once(tmp_path: Path) -> None:
    path = tmp_path / "leader.flock"
    command = [sys.executable, "-c", HOLD, str(path)]
    with subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE) as holder:
        try:
            assert holder.stdout is not None
            assert holder.stdout.readline() == b"leading\n"
            assert path.read_text().strip() == str(holder.pid)
            waiting = Leadership(path)
            assert not waiting.try_take()
            holder.kill()
            holder.wait()
            assert waiting.try_take()
            waiting.release()
        finally:
            holder.kill()
