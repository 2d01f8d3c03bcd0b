"""Acknowledgement latency under a burst: Callsheet against a do-nothing discord.py bot.

Both bots run as their own processes against the project's Discord emulator (this process,
enforcing Discord's 3 s interaction deadline). For each crowd size (default 50 and 200
members, all in one channel, as after an announcement) the bench fires, all at once:

1. ``/video new`` from every member;
2. (Callsheet) one upload from every member: real images from ``../shared/media``, the first
   12 members hostile files from ``tests/corpus.py``; each must be answered within 60 s;
3. a role select on every role question (the peer: the select on its reply);
4. Generate on every card (the peer: its button).

Each crowd runs ``--rounds`` times (default 5), the peer then Callsheet each round: a
burst of 50 lasts tens of milliseconds, so one core taken away for 15 ms by another
process moves a single round's ratio by half.

Prints one JSON object. Per crowd and round, for both bots: each phase's ack p50/p99 in
ms, the unacknowledged count (no answer within Discord's 3 s), upload answer times, peak
RSS in MiB, the emulator's own worst event-loop lag during each burst
(``emulator_lag_ms``: how much of an ack's time the instrument itself added), and where
each burst's wall time went on Linux: CPU ms of the bot's loop thread, of its other
threads and of the emulator, and ms the two loop threads were runnable but waiting for a
CPU (``bot_loop_waiting_ms``, ``emulator_waiting_ms``: other processes had the cores).
Per crowd: each round's p99 ratio (Callsheet ÷ peer) and their median. Targets (issue
11): p99 ratio ≤ 1.5, 0 unacknowledged, every upload answered within 60 s.

Run: ``.venv/bin/python bench/acks.py [--members 50 200] [--rounds 5]``
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import statistics
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.corpus import make_corpus  # noqa: E402
from tests.emulator import DiscordEmulator, EmuInteraction, Member  # noqa: E402

JSON = dict[str, Any]
MEDIA = ROOT.parent / "shared" / "media"
IMAGES = ["rocket.jpg", "coffee.png", "astronaut.png", "chelsea.png", "motorcycle_left.png"]
HOSTILE = 12
DEADLINE_S = 3.0
PHASES = ("video_new", "role_select", "generate")


def _percentiles(values: list[float]) -> dict[str, float | None]:
    if not values:
        return {"p50_ms": None, "p99_ms": None}
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return {"p50_ms": round(statistics.median(ordered) * 1000, 1), "p99_ms": round(p99 * 1000, 1)}


class LoopLag:
    """How late this process's event loop (the emulator's) wakes from a 5 ms sleep: when it
    is late, the emulator itself delayed the acks it timed, whichever bot answered."""

    def __init__(self) -> None:
        self.worst_s = 0.0
        self._task: asyncio.Task[None] | None = None

    async def _watch(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            before = loop.time()
            await asyncio.sleep(0.005)
            self.worst_s = max(self.worst_s, loop.time() - before - 0.005)

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._watch())

    def take_ms(self) -> float:
        """The worst lag since the last call, in ms."""
        worst, self.worst_s = self.worst_s, 0.0
        return round(worst * 1000, 1)

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()


class CpuTime:
    """Where the wall time of a burst went (Linux ``/proc/<pid>/task/<tid>/schedstat``: time
    on a CPU, and time runnable but waiting for one): the bot's event-loop thread, its other
    threads (pools, database), and this process's (the emulator's) loop thread. On a shared
    host a slow burst with little CPU and a long wait was the machine's, not the bot's."""

    def __init__(self, pid: int) -> None:
        self._pid = self._bot(pid)
        self._last = self._read()

    @staticmethod
    def _bot(pid: int) -> int:
        """The bot's pid: ``pid``, or its child when ``pid`` is py-spy (``--profile``)."""
        try:
            if Path(f"/proc/{pid}/comm").read_text().strip() == "py-spy":
                children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
                return int(children[0]) if children else pid
        except OSError:
            pass
        return pid

    def _read(self) -> dict[str, tuple[int, int]]:
        """Nanoseconds (on a CPU, waiting for one) per thread: ``emulator``, and the bot's
        by thread id (its loop thread's id is its pid)."""

        def stat(path: str) -> tuple[int, int]:
            fields = Path(path).read_text().split()
            return int(fields[0]), int(fields[1])

        found: dict[str, tuple[int, int]] = {}
        try:
            found["emulator"] = stat(f"/proc/self/task/{os.getpid()}/schedstat")
            for task in os.listdir(f"/proc/{self._pid}/task"):
                with contextlib.suppress(OSError):  # a thread that just ended
                    found[task] = stat(f"/proc/{self._pid}/task/{task}/schedstat")
        except OSError:  # not Linux, or the bot has ended
            return {}
        return found

    def take(self) -> JSON:
        """CPU and waiting ms since the last call (``{}`` where /proc cannot tell); a bot
        thread that ended meanwhile is not counted."""
        now, last = self._read(), self._last
        self._last = now
        loop = str(self._pid)
        if loop not in now or loop not in last:
            return {}

        def ms(name: str, field: int) -> float:
            return round((now[name][field] - last.get(name, (0, 0))[field]) / 1e6, 1)

        others = sum(ms(name, 0) for name in now if name not in (loop, "emulator"))
        return {"bot_loop_cpu_ms": ms(loop, 0), "bot_loop_waiting_ms": ms(loop, 1),
                "bot_other_threads_cpu_ms": round(others, 1),
                "emulator_cpu_ms": ms("emulator", 0),
                "emulator_waiting_ms": ms("emulator", 1)}  # fmt: skip


async def _acks(interactions: list[EmuInteraction], lag: LoopLag, cpu: CpuTime) -> JSON:
    """Ack latency of each interaction (those unanswered within the deadline count apart),
    the emulator's worst loop lag while they were answered and where the time went."""

    async def one(ix: EmuInteraction) -> float | None:
        try:
            await ix.wait_response(timeout=DEADLINE_S + 7)
        except Exception:
            return None
        return ix.response_seconds

    seconds = await asyncio.gather(*(one(ix) for ix in interactions))
    answered = [s for s in seconds if s is not None and s <= DEADLINE_S]
    return {"count": len(interactions), "unacknowledged": len(interactions) - len(answered),
            **_percentiles(answered), "emulator_lag_ms": lag.take_ms(), **cpu.take()}  # fmt: skip


def _peak_rss_mib(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


async def _spawn(argv: list[str], emu: DiscordEmulator, data_dir: Path) -> Any:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DISCORD_")}
    env.update(emu.env(), DISCORD_TOKEN="emulated-token", DATA_DIR=str(data_dir))
    with (data_dir.parent / f"{data_dir.name}.log").open("wb") as log:  # the child keeps a copy
        return await asyncio.create_subprocess_exec(
            *argv, cwd=ROOT, env=env, stdout=log, stderr=asyncio.subprocess.STDOUT
        )


def _component(message: JSON, wanted: Callable[[str], bool]) -> JSON | None:
    """The first enabled component whose custom_id is ``wanted``."""
    for row in message.get("components", []):
        for component in row.get("components", []):
            if wanted(str(component.get("custom_id", ""))) and not component.get("disabled"):
                return dict(component)
    return None


def _prefixed(prefix: str) -> Callable[[str], bool]:
    return lambda custom_id: custom_id.startswith(prefix)


async def _cards_show_roles(
    emu: DiscordEmulator, picks: list[tuple[Member, JSON]], cards: dict[int, JSON]
) -> JSON:
    """Wait (≤ 60 s) until each card shows the role its member picked (the first option's
    label); how many did, and how long the last took."""
    loop = asyncio.get_running_loop()
    started = loop.time()

    async def shown(member: Member, question: JSON) -> float | None:
        select = _component(question, _prefixed("cs:role:"))
        assert select is not None
        label = f"**{select['options'][0]['label']}**"
        card_id = cards[member.id]["id"]
        try:
            await emu.wait_for_message(
                lambda m: (
                    m["id"] == card_id and label in json.dumps(m.get("embeds"), ensure_ascii=False)
                ),
                timeout=60,
            )
        except AssertionError:
            return None
        return loop.time() - started

    times = await asyncio.gather(*(shown(m, q) for m, q in picks if m.id in cards))
    done = [t for t in times if t is not None]
    return {"count": len(times), "shown": len(done),
            "last_s": round(max(done), 2) if done else None}  # fmt: skip


async def _run(argv: list[str], n: int, callsheet: bool, work: Path) -> JSON:
    async with DiscordEmulator(work / "emulator", enforce_interaction_deadline=True) as emu:
        members = [emu.add_member(f"member{i}") for i in range(n)]
        process = await _spawn(argv, emu, work / "data")
        result: JSON = {}
        lag = LoopLag()
        try:
            await emu.wait_ready(timeout=120)
            lag.start()
            cpu = CpuTime(process.pid)
            opened = list(
                await asyncio.gather(*(
                    emu.slash_command(
                        m, "video", subcommand="new", options={"prompt": f"a kite for {m.name}"}
                    )
                    for m in members
                ))
            )  # fmt: skip
            result["video_new"] = await _acks(opened, lag, cpu)
            cards: dict[int, JSON] = {}
            for member, ix in zip(members, opened, strict=True):
                if callsheet:  # the card replaces the "thinking…" placeholder
                    try:
                        cards[member.id] = await ix.wait_update(60)
                    except Exception:
                        continue
                elif ix.original_message_id is not None:  # the peer answers with it at once
                    cards[member.id] = emu.message(ix.original_message_id)
            result["cards_posted"] = len(cards)
            questions: dict[int, JSON] = {}
            if callsheet:
                result["uploads"], questions = await _uploads(emu, members, work, cards)
            targets = questions if callsheet else cards
            is_select = _prefixed("cs:role:" if callsheet else "peer:role")
            picks = [
                (m, targets[m.id])
                for m in members
                if m.id in targets and _component(targets[m.id], is_select)
            ]

            async def pick(item: tuple[Member, JSON]) -> EmuInteraction:
                member, message = item
                select = _component(message, is_select)
                assert select is not None
                value = select["options"][0]["value"]
                return await emu.choose(member, message, select["custom_id"], [value])

            lag.take_ms()  # from here: the role-select burst
            cpu.take()
            result["role_select"] = await _acks(
                list(await asyncio.gather(*(pick(p) for p in picks))), lag, cpu
            )
            if callsheet:  # a member clicks Generate on the card once it shows their answer
                result["cards_showing_the_role"] = await _cards_show_roles(emu, picks, cards)
            gens: list[tuple[Member, JSON, str]] = []
            for member in members:
                if member.id not in cards:
                    continue
                current = emu.message(cards[member.id]["id"])
                button = _component(
                    current,  # the card's Generate button (the peer: its only button)
                    (lambda c: c.endswith(":generate"))
                    if callsheet
                    else _prefixed("peer:generate"),
                )
                if button is not None:
                    gens.append((member, current, button["custom_id"]))
            lag.take_ms()  # from here: the Generate burst
            cpu.take()
            clicks = await asyncio.gather(*(emu.click_button(m, msg, cid) for m, msg, cid in gens))
            result["generate"] = await _acks(list(clicks), lag, cpu)
        finally:
            lag.stop()
            result["peak_rss_mib"] = _peak_rss_mib(process.pid)
            process.send_signal(signal.SIGINT)
            try:
                await asyncio.wait_for(process.wait(), 30)
            except TimeoutError:
                result["second_sigint_needed"] = True
                process.send_signal(signal.SIGINT)
            try:
                await asyncio.wait_for(process.wait(), 30)
            except TimeoutError:
                spy = Path(sys.executable).with_name("py-spy")
                if spy.exists():  # where it hangs, for the report
                    dump = await asyncio.create_subprocess_exec(
                        str(spy), "dump", "--pid", str(process.pid),
                        stdout=(work / "hang.txt").open("wb"),
                    )  # fmt: skip
                    await dump.wait()
                process.kill()
                tail = (work / "data.log").read_text(errors="replace")[-3000:]
                hang = (work / "hang.txt").read_text() if (work / "hang.txt").exists() else ""
                raise RuntimeError(f"the bot did not stop within 60 s:\n{tail}\n{hang}") from None
        return result


async def _uploads(
    emu: DiscordEmulator, members: list[Member], work: Path, cards: dict[int, JSON]
) -> tuple[JSON, dict[int, JSON]]:
    """Every member posts one file in their session's thread (started from their card)."""
    corpus = sorted(make_corpus(work / "corpus").values())[:HOSTILE]
    files = [
        corpus[i] if i < len(corpus) else MEDIA / "images" / IMAGES[i % len(IMAGES)]
        for i in range(len(members))
    ]
    threads = {
        m.id: int((await emu.wait_for_thread(cards[m.id]["id"], lambda t: True, 60))["id"])
        for m in members
        if m.id in cards
    }
    loop = asyncio.get_running_loop()
    started = loop.time()
    posts = await asyncio.gather(
        *(
            emu.post_message(m, "", attachments=[f], channel_id=threads.get(m.id))
            for m, f in zip(members, files, strict=True)
        )
    )

    async def answered(post: JSON) -> tuple[float | None, JSON | None]:
        try:
            reply = await emu.wait_for_message(
                lambda m: (m.get("message_reference") or {}).get("message_id") == post["id"],
                timeout=60,
            )
        except AssertionError:
            return None, None
        return loop.time() - started, reply

    outcomes = await asyncio.gather(*(answered(p) for p in posts))
    times = [t for t, _ in outcomes if t is not None]
    hostile_unanswered = sum(1 for t, _ in outcomes[: len(corpus)] if t is None)
    questions = {
        m.id: reply for m, (_, reply) in zip(members, outcomes, strict=True)
        if reply is not None and _component(reply, _prefixed("cs:role:"))
    }  # fmt: skip
    summary = {
        "count": len(posts), "answered_within_60s": len(times),
        "hostile": len(corpus), "hostile_unanswered": hostile_unanswered,
        "last_answer_s": round(max(times), 2) if times else None,
        "median_answer_s": round(statistics.median(times), 2) if times else None,
    }  # fmt: skip
    return summary, questions


def _ratio(ours: JSON, peer: JSON) -> float | None:
    if ours.get("p99_ms") is None or not peer.get("p99_ms"):
        return None
    return round(ours["p99_ms"] / peer["p99_ms"], 2)


async def _round(n: int, profile: Path | None) -> JSON:
    """One crowd of ``n`` at the peer, then at Callsheet, and their p99 ratios."""
    with tempfile.TemporaryDirectory(prefix="acks-") as tmp:
        peer = await _run([sys.executable, "bench/peer_bot.py"], n, False, Path(tmp) / "peer")
    with tempfile.TemporaryDirectory(prefix="acks-") as tmp:
        argv = [sys.executable, "-m", "bot"]
        if profile is not None:  # collapsed stacks of the bot's threads, for a flame graph
            spy = Path(sys.executable).with_name("py-spy")
            argv = [str(spy), "record", "-r", "200", "-f", "raw", "--threads", "-o",
                    str(profile.with_suffix(f".{n}.txt")), "--", *argv]  # fmt: skip
        ours = await _run(argv, n, True, Path(tmp) / "callsheet")
    return {
        "callsheet": ours,
        "peer": peer,
        "p99_ratio": {phase: _ratio(ours[phase], peer[phase]) for phase in PHASES},
    }


async def main_async(crowds: list[int], rounds: int = 5, profile: Path | None = None) -> JSON:
    report: JSON = {"cpu_count": os.cpu_count(), "deadline_s": DEADLINE_S, "crowds": {}}
    for n in crowds:
        runs = [await _round(n, profile) for _ in range(rounds)]
        ratios = {
            phase: [r["p99_ratio"][phase] for r in runs if r["p99_ratio"][phase] is not None]
            for phase in PHASES
        }
        report["crowds"][str(n)] = {
            "rounds": runs,
            "p99_ratio": {p: statistics.median(v) if v else None for p, v in ratios.items()},
            "p99_ratio_each_round": ratios,
        }
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--members", type=int, nargs="+", default=[50, 200])
    parser.add_argument(
        "--rounds", type=int, default=5, help="rounds per crowd (the ratio is their median)"
    )
    parser.add_argument("--profile", type=Path, help="record the bot with py-spy into this file")
    args = parser.parse_args()
    if not (MEDIA / "README.md").is_file():
        print(json.dumps({"error": f"media not found at {MEDIA}"}))
        return 2
    print(json.dumps(asyncio.run(main_async(args.members, args.rounds, args.profile)), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
