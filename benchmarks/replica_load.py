"""Benchmark (prints figures, asserts nothing): one Rasa replica against two, beside the stock bot, in one run.

    .venv/bin/python benchmarks/replica_load.py [--concurrency 20 50 100] [--turns 10] [--logs DIR]

Three setups, each at every concurrency (chat_load.py's conversations, over REST): the stock `rasa init` bot,
then this bot as production runs it (nginx in front, PostgreSQL tracker store, Redis lock store, an action
server per replica) with one replica and with two. Each topology gets a new PostgreSQL database, dropped after,
so the replica count is the only difference. Prints msg/s, latency, errors and the resident memory of each
process, the two/one throughput ratio, and the CPU each part used (about 5 minutes on 2 cores).
"""
import argparse
import asyncio
import os
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Dict, Iterator, List, Optional

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from chat_load import load, running_stock_bot  # noqa: E402
from recovery_support.replicas import DEFAULT_REDIS_URL, Topology, resident_mb, running_replicas  # noqa: E402

POSTGRES_URL = os.environ.get("RASA_DATABASE_URL", "postgresql://postgres@localhost:5432/postgres")
KINDS = ("rasa", "actions", "nginx")  # the processes a setup is made of, as the table names them
TICKS = os.sysconf("SC_CLK_TCK")


@contextmanager
def throwaway_database() -> Iterator[str]:
    """The URL of a new database on the local PostgreSQL, dropped afterwards (its sessions ended first)."""
    name = f"bench_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield str(sa.engine.make_url(POSTGRES_URL).set(database=name))
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                       f"WHERE datname = '{name}'"))
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


def process_tree(pid: int) -> List[int]:
    pids, pending = [], [pid]
    while pending:
        current = pending.pop()
        pids.append(current)
        try:
            pending.extend(int(c) for c in Path(f"/proc/{current}/task/{current}/children").read_text().split())
        except FileNotFoundError:
            continue
    return pids


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its descendants."""
    total = 0
    for current in process_tree(pid):
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of proc(5))
    return total / TICKS


def machine_busy_seconds() -> float:
    """CPU seconds the whole machine (all cores, every process, anyone's) spent not idle since boot."""
    user, nice, system, idle, iowait, *rest = (int(v) for v in Path("/proc/stat").read_text().split()[1:9])
    return (user + nice + system + sum(rest)) / TICKS


async def sample_memory(pids: Dict[str, List[int]], peaks: Dict[str, List[float]]) -> None:
    """Keeps each process's highest resident memory in ``peaks`` until cancelled."""
    while True:
        for kind, kind_pids in pids.items():
            peaks[kind] = [max(peak, resident_mb(pid)) for peak, pid in zip(peaks[kind], kind_pids)]
        await asyncio.sleep(0.5)


async def measured_load(url: str, concurrency: int, turns: int, pids: Dict[str, List[int]],
                        headers: Optional[Dict[str, str]] = None) -> dict:
    """chat_load.load, plus each process's peak resident memory (MB) and CPU use (cores) while it ran."""
    peaks = {kind: [0.0] * len(kind_pids) for kind, kind_pids in pids.items()}
    sampler = asyncio.create_task(sample_memory(pids, peaks))
    cpu_before = {kind: [cpu_seconds(pid) for pid in kind_pids] for kind, kind_pids in pids.items()}
    machine_before, own_before, started = machine_busy_seconds(), time.process_time(), time.monotonic()
    try:
        figures = await load(url, concurrency, turns, headers)
    finally:
        sampler.cancel()
    elapsed = time.monotonic() - started
    cores = {kind: [(cpu_seconds(pid) - before) / elapsed for pid, before in zip(kind_pids, cpu_before[kind])]
             for kind, kind_pids in pids.items()}
    cores["load generator"] = [(time.process_time() - own_before) / elapsed]
    cores["machine"] = [(machine_busy_seconds() - machine_before) / elapsed]
    return {**figures, "memory_mb": peaks, "cores": cores}


def topology_pids(topology: Topology) -> Dict[str, List[int]]:
    nginx_master = int((topology.workdir / "nginx" / "nginx.pid").read_text())  # its workers are its children
    return {"rasa": [r.rasa.pid for r in topology.replicas], "actions": [r.actions.pid for r in topology.replicas],
            "nginx": [nginx_master]}


def measure_replicas(replicas: int, levels: List[int], turns: int, workdir: Path) -> Dict[int, dict]:
    with throwaway_database() as database_url, running_replicas(
            workdir, replicas=replicas, database_url=database_url, redis_url=DEFAULT_REDIS_URL,
            extra_env={"TRACKER_SPOOL_DIR": str(workdir / "spool")}) as topology:
        for replica in topology.replicas:  # first turns build TensorFlow graphs and the actions' answer index
            asyncio.run(load(replica.url, 2, 4))
        pids = topology_pids(topology)
        return {level: asyncio.run(measured_load(topology.chat_url, level, turns, pids, topology.rest_headers)) for level in levels}


def measure_stock(levels: List[int], turns: int, workdir: Path) -> Dict[int, dict]:
    workdir.mkdir(parents=True, exist_ok=True)
    with running_stock_bot(workdir) as (url, process):
        return {level: asyncio.run(measured_load(url, level, turns, {"rasa": [process.pid]})) for level in levels}


def joined(values: List[float], digits: int = 0) -> str:
    """One figure per process: '812' for one, '790/801' for two."""
    return "/".join(f"{v:.{digits}f}" for v in values) if values else "-"


def print_tables(results: Dict[str, Dict[int, dict]], levels: List[int], turns: int) -> None:
    print(f"\nConcurrent conversations x {turns} turns, REST channel; memory is each process's peak resident MB "
          f"(several processes: one figure each)")
    print(f"{'setup':14} {'conc':>4} {'msg/s':>6} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'errors':>6}  "
          f"{'rasa MB':>11} {'actions MB':>11} {'nginx MB':>8}")
    for level in levels:
        for setup, rows in results.items():
            r = rows[level]
            memory = [joined(r["memory_mb"].get(kind, [])) for kind in KINDS]
            print(f"{setup:14} {level:4d} {r['msg_per_s']:6.1f} {r['p50_ms']:7.0f} {r['p95_ms']:7.0f} "
                  f"{r['p99_ms']:7.0f} {r['errors']:6d}  {memory[0]:>11} {memory[1]:>11} {memory[2]:>8}")
    print("\nThroughput, two replicas / one: " + ", ".join(
        f"{results['2 replicas'][level]['msg_per_s'] / results['1 replica'][level]['msg_per_s']:.2f}x at {level}"
        for level in levels))
    for setup, rows in results.items():
        for level, r in rows.items():
            if r["errors"]:
                print(f"errors, {setup} at {level}: {dict(r['error_kinds'])}")
    print(f"\nCPU while each level ran, in cores ({os.cpu_count()} = the whole machine); 'rest' is PostgreSQL, "
          f"Redis and anything else on the machine")
    print(f"{'setup':14} {'conc':>4} {'machine':>7} {'rasa':>9} {'actions':>9} {'nginx':>5} {'client':>6} "
          f"{'rest':>5}")
    for level in levels:
        for setup, rows in results.items():
            cores = rows[level]["cores"]
            ours = sum(sum(v) for k, v in cores.items() if k != "machine")
            machine = cores["machine"][0]
            print(f"{setup:14} {level:4d} {machine:7.2f} {joined(cores['rasa'], 2):>9} "
                  f"{joined(cores.get('actions', []), 2):>9} {joined(cores.get('nginx', []), 2):>5} "
                  f"{cores['load generator'][0]:6.2f} {max(0.0, machine - ours):5.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[20, 50, 100])
    parser.add_argument("--turns", type=int, default=10, help="messages per conversation")
    parser.add_argument("--logs", type=Path, help="keep the servers' logs in this folder (default: thrown away)")
    args = parser.parse_args()
    print(f"os.cpu_count() = {os.cpu_count()}; load average before starting (1, 5, 15 min): "
          + ", ".join(f"{v:.2f}" for v in os.getloadavg()), flush=True)
    results = {}
    with tempfile.TemporaryDirectory() as throwaway:
        tmp = args.logs or throwaway
        results["stock rasa"] = measure_stock(args.concurrency, args.turns, Path(tmp) / "stock")
        print("measured the stock bot", flush=True)
        for replicas, setup in ((1, "1 replica"), (2, "2 replicas")):
            workdir = Path(tmp) / f"replicas-{replicas}"  # no spaces: nginx.conf names paths in it unquoted
            results[setup] = measure_replicas(replicas, args.concurrency, args.turns, workdir)
            print(f"measured {setup}", flush=True)
    print_tables(results, args.concurrency, args.turns)
    print("\nload average after (1, 5, 15 min): " + ", ".join(f"{v:.2f}" for v in os.getloadavg()))


if __name__ == "__main__":
    main()
