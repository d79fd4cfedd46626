"""Running a sensitivity study: its definition, its runs, and results streamed to disk.

A study is defined by its method (Morris or Sobol), number of samples, scenario, space file,
seed, horizon, metrics and the model's code; `study.json` in the output directory records that
definition, and `samples.parquet` the sample matrix SALib drew. Run `i` uses the parameter values
of row `i` and the seed `SeedSequence(seed, spawn_key=(i,))`, so its result does not depend on
which process or machine runs it, nor in what order.

Runs go to a local process pool (spawn), to a Dask cluster (a scheduler address) or, with one
worker, run in this process. Finished runs are buffered and written in batches, each batch one
Parquet file `runs/part-NNNNNN.parquet` written to a temporary name and renamed into place (so a
part is complete or absent). At most a few runs per worker are in flight and at most one batch is
held, so memory does not grow with the number of runs. A re-run with the same arguments reads the
sample indices in the parts, runs only the missing ones, and refuses (one line) to continue a
study defined differently. A lock file keeps two processes from writing the same study.
"""

from __future__ import annotations

import concurrent.futures as cf
import copy
import hashlib
import json
import math
import multiprocessing
import os
import secrets
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from experiments import metrics as metrics_mod
from experiments.scenario_levers import LEVERS
from experiments.space import Space

STUDY_FILE = "study.json"
SAMPLES_FILE = "samples.parquet"
RUNS_DIR = "runs"
METRICS_FILE = "metrics.parquet"
LOCK_FILE = ".lock"
FORMAT = 1
MORRIS_LEVELS = 4
FLUSH_SECONDS = 30.0
"""A batch is written when it holds `batch` runs or is this old, whichever comes first."""


class StudyError(ValueError):
    """The study cannot start as asked (bad input); the message is one line."""


class StudyFailure(RuntimeError):
    """The study stopped for a reason other than bad input; finished runs are saved."""


# --- the definition -------------------------------------------------------------------------------
def code_fingerprint() -> str:
    """sha256 of the model's code (model/, agents/) and of the study's own model-facing modules
    (levers, metrics, space): results from different code must not be mixed in one study."""
    import agents
    import model

    h = hashlib.sha256()
    here = Path(__file__).parent
    files = sorted(Path(model.__file__).parent.rglob("*.py")) + sorted(Path(agents.__file__).parent.rglob("*.py"))
    files += [here / "scenario_levers.py", here / "metrics.py", here / "space.py"]
    for path in files:
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def versions() -> dict[str, str]:
    """Versions of this package and of the libraries a run's numbers depend on."""
    out = {"python": ".".join(map(str, sys.version_info[:2]))}
    for dist in ("rare-earth-abm", "mesa", "numpy", "pandas", "pydantic"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = "not installed"
    return out


def run_seed(study_seed: int, index: int) -> int:
    """The seed of sample `index`: a 32-bit draw of SeedSequence(study_seed, spawn_key=(index,))."""
    return int(np.random.SeedSequence(study_seed, spawn_key=(index,)).generate_state(1)[0])


def sample_matrix(method: str, space: Space, samples: int, seed: int) -> np.ndarray:
    """SALib's sample matrix (rows = runs) for the method."""
    problem = space.problem()
    if method == "morris":
        from SALib.sample import morris

        return morris.sample(problem, samples, num_levels=MORRIS_LEVELS, seed=seed)
    from SALib.sample import sobol

    return sobol.sample(problem, samples, calc_second_order=False, seed=seed)


def n_runs(method: str, samples: int, n_vars: int) -> int:
    """Runs of a study: Morris N x (D + 1) (N trajectories), Sobol N x (D + 2) (first and total order)."""
    return samples * (n_vars + 1) if method == "morris" else samples * (n_vars + 2)


@dataclass
class StudySpec:
    """A validated study: everything that determines its results."""

    method: str
    samples: int
    seed: int
    until: str | None
    check: bool
    scenario_given: str
    scenario_name: str
    scenario_text_sha: str
    scenario_data: dict[str, Any]
    space: Space
    space_text_sha: str
    metrics: list[str]
    metric_sources: list[tuple[str, str]] = field(default_factory=list)
    noise_runs: int = 10
    """Extra runs with every input at its default and only the seed changing: the model's own noise."""

    def definition(self) -> dict[str, Any]:
        """The JSON-able definition stored in study.json (compared on resume)."""
        entries = []
        for e in self.space.entries:
            d = e.declared
            entries.append(
                {
                    "name": e.name,
                    "kind": d.kind,
                    "unit": d.unit,
                    "default": None if math.isnan(d.default) else d.default,
                    "low": e.low,
                    "high": e.high,
                    "distribution": e.distribution,
                    **e.args,
                }
            )
        return {
            "format": FORMAT,
            "method": self.method,
            "samples": self.samples,
            "runs": n_runs(self.method, self.samples, len(self.space.entries)),
            "noise_runs": self.noise_runs,
            "morris_levels": MORRIS_LEVELS if self.method == "morris" else None,
            "seed": self.seed,
            "until": self.until,
            "accounting_checks": self.check,
            "scenario": {"given": self.scenario_given, "name": self.scenario_name, "sha256": self.scenario_text_sha},
            "space": {"given": self.space.source, "sha256": self.space_text_sha, "parameters": entries},
            "metrics": [
                {"name": m, "unit": metrics_mod.METRICS[m].unit, "description": metrics_mod.METRICS[m].description}
                for m in self.metrics
            ],
            "metric_files": [
                {"file": name, "sha256": hashlib.sha256(src.encode()).hexdigest()} for name, src in self.metric_sources
            ],
            "model_code_sha256": code_fingerprint(),
        }


INFORMATIONAL = ("versions", "created")
"""Keys of study.json that are recorded but not compared on resume."""


def _short(value: Any, limit: int = 80) -> str:
    text = json.dumps(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def first_difference(old: Any, new: Any, path: str = "") -> tuple[str, Any, Any] | None:
    """The first (path, old, new) where two JSON values differ, or None."""
    if isinstance(old, dict) and isinstance(new, dict):
        for key in list(old) + [k for k in new if k not in old]:
            if path == "" and key in INFORMATIONAL:
                continue
            found = first_difference(old.get(key), new.get(key), f"{path}.{key}" if path else key)
            if found:
                return found
        return None
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        for i, (a, b) in enumerate(zip(old, new, strict=True)):
            found = first_difference(a, b, f"{path}[{i}]")
            if found:
                return found
        return None
    return None if old == new else (path, old, new)


# --- what a worker does ---------------------------------------------------------------------------
@dataclass(frozen=True)
class RunContext:
    """What every run of a study shares (sent once to each worker process)."""

    scenario_data: dict[str, Any]
    scenario_source: str
    scenario_sha: str
    until: str | None
    check: bool
    metrics: tuple[str, ...]
    metric_sources: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Task:
    """One run: sample index, seed and the values of the space's inputs (in the space's order)."""

    index: int
    seed: int
    inputs: dict[str, float | int]
    levers: tuple[str, ...] = ()
    """The names in `inputs` that are scenario levers (the others are model parameters)."""

    @property
    def params(self) -> dict[str, float | int]:
        return {k: v for k, v in self.inputs.items() if k not in self.levers}

    @property
    def lever_values(self) -> dict[str, float | int]:
        return {k: v for k, v in self.inputs.items() if k in self.levers}


_CONTEXT: RunContext | None = None
_BASE_SCENARIO: dict[str, Any] = {}  # scenario sha256 -> the parsed scenario, for runs without levers


def _init_worker(context: RunContext) -> None:
    """Pool initializer: keep the context; leave Ctrl-C to the parent (it stops the study); and
    exit when the parent dies (kill -9), instead of living on as an orphan."""
    global _CONTEXT
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _CONTEXT = context
    metrics_mod.ensure_sources(context.metric_sources)
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _pool_task(task: Task) -> dict[str, Any]:
    assert _CONTEXT is not None, "worker not initialised"
    return run_task(_CONTEXT, task)


def _scenario(context: RunContext, lever_values: dict[str, float | int]) -> Any:
    from model.scenario import parse_scenario

    if not lever_values:
        key = context.scenario_sha
        if key not in _BASE_SCENARIO:
            _BASE_SCENARIO.clear()
            _BASE_SCENARIO[key] = parse_scenario(context.scenario_data, context.scenario_source)
        return _BASE_SCENARIO[key]
    data = copy.deepcopy(context.scenario_data)
    for name, value in lever_values.items():
        LEVERS[name].apply(data, value)
    return parse_scenario(data, context.scenario_source)


def run_task(context: RunContext, task: Task) -> dict[str, Any]:
    """Run one sample and return its row: sample, seed, the inputs, the metrics, error, run_seconds.
    A run that raises gives NaN metrics and the error in one line (the study goes on)."""
    from model.model import RareEarthModel

    metrics_mod.ensure_sources(context.metric_sources)
    t0 = time.perf_counter()
    row: dict[str, Any] = {"sample": task.index, "seed": task.seed, **task.inputs}
    errors: list[str] = []
    try:
        scenario = _scenario(context, task.lever_values)
        model = RareEarthModel(
            scenario,
            seed=task.seed,
            until=context.until,
            check=context.check,
            run_id=f"sample-{task.index}",
            **task.params,
        )
        tables = model.run()
        values, errors = metrics_mod.compute(metrics_mod.RunOutput.from_model(model, tables), context.metrics)
    except Exception as exc:  # a failing run is recorded, not fatal
        values = dict.fromkeys(context.metrics, math.nan)
        errors = [f"{type(exc).__name__}: {' '.join(str(exc).split())}"]
    row.update(values)
    row["error"] = "; ".join(errors)
    row["run_seconds"] = time.perf_counter() - t0
    return row


def worker_fingerprint() -> dict[str, Any]:
    """What a Dask worker runs: package versions and the model code's fingerprint."""
    return {"versions": versions(), "model_code_sha256": code_fingerprint()}


# --- storage --------------------------------------------------------------------------------------
def _write_atomic(path: Path, write: Callable[[Path], None]) -> None:
    """Write `path` through a temporary file in the same directory, fsync and rename."""
    tmp = path.with_name(f".{path.name}.tmp-{secrets.token_hex(4)}")
    try:
        write(tmp)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_json(path: Path, data: Any) -> None:
    _write_atomic(path, lambda p: p.write_text(json.dumps(data, indent=2, sort_keys=False) + "\n", encoding="utf-8"))


def write_parquet(path: Path, df: pd.DataFrame) -> None:
    _write_atomic(path, lambda p: df.to_parquet(p, index=False, engine="pyarrow"))


class StudyDir:
    """The output directory of a study: definition, samples, run parts, lock."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.runs = out / RUNS_DIR
        self._lock_fh: Any = None

    def lock(self) -> None:
        """Hold an exclusive lock on the study for this process (released at exit, even on kill -9)."""
        import fcntl

        self.out.mkdir(parents=True, exist_ok=True)
        fh = open(self.out / LOCK_FILE, "a+")  # noqa: SIM115 - held for the life of the study
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            fh.close()
            raise StudyError(
                f"--out {str(self.out)!r}: another process is running this study; wait for it or stop it"
            ) from None
        self._lock_fh = fh

    def unlock(self) -> None:
        if self._lock_fh is not None:
            self._lock_fh.close()
            self._lock_fh = None

    def parts(self) -> list[Path]:
        return sorted(self.runs.glob("part-*.parquet")) if self.runs.is_dir() else []

    def clean_temporary(self) -> None:
        """Remove temporary files a killed process left (only ever written under a lock)."""
        for folder in (self.out, self.runs):
            if folder.is_dir():
                for tmp in folder.glob(".*.tmp-*"):
                    tmp.unlink(missing_ok=True)

    def done(self) -> set[int]:
        """Sample indices already saved, checking that none is saved twice."""
        import pyarrow.parquet as pq

        seen: dict[int, str] = {}
        for part in self.parts():
            try:
                indices = pq.read_table(part, columns=["sample"]).column("sample").to_pylist()
            except Exception as exc:
                raise StudyFailure(
                    f"{part}: cannot be read ({type(exc).__name__}: {' '.join(str(exc).split())}); "
                    "delete it and run the same command again to redo its runs"
                ) from None
            for i in indices:
                if i in seen:
                    raise StudyFailure(f"{part}: sample {i} is also in {seen[i]}; the study directory is corrupt")
                seen[i] = part.name
        return set(seen)

    def next_part(self) -> Path:
        self.runs.mkdir(parents=True, exist_ok=True)
        parts = self.parts()
        n = int(parts[-1].stem.split("-")[1]) + 1 if parts else 0
        return self.runs / f"part-{n:06d}.parquet"

    def write_part(self, rows: list[dict[str, Any]]) -> Path:
        path = self.next_part()
        df = pd.DataFrame(rows).sort_values("sample", kind="stable").reset_index(drop=True)
        write_parquet(path, df)
        return path

    def read_runs(self) -> pd.DataFrame:
        """Every saved run, sorted by sample."""
        frames = [pd.read_parquet(p) for p in self.parts()]
        if not frames:
            return pd.DataFrame()
        return pd.concat(frames, ignore_index=True).sort_values("sample", kind="stable").reset_index(drop=True)


# --- preparing and resuming -----------------------------------------------------------------------
@dataclass
class Prepared:
    """A study ready to run: its directory, definition, sample matrix and values."""

    spec: StudySpec
    folder: StudyDir
    definition: dict[str, Any]
    x: np.ndarray
    values: np.ndarray

    @property
    def n_samples(self) -> int:
        """Runs of the SALib design (samples 0 .. n_samples - 1)."""
        return int(self.x.shape[0])

    @property
    def total(self) -> int:
        """All runs: the design, then the seed-only runs at the defaults."""
        return self.n_samples + self.spec.noise_runs

    def task(self, index: int) -> Task:
        space = self.spec.space
        inputs = space.row(self.values[index]) if index < self.n_samples else space.default_row()
        return Task(index, run_seed(self.spec.seed, index), inputs, self.lever_names)

    @property
    def lever_names(self) -> tuple[str, ...]:
        return tuple(e.name for e in self.spec.space.entries if e.declared.kind == "lever")

    def context(self) -> RunContext:
        s = self.spec
        return RunContext(
            s.scenario_data,
            s.scenario_given,
            s.scenario_text_sha,
            s.until,
            s.check,
            tuple(s.metrics),
            tuple(s.metric_sources),
        )


def prepare(spec: StudySpec, out: Path) -> Prepared:
    """Create the study in `out`, or check that `out` holds this very study (to resume it).
    Takes the study's lock; raises StudyError (one line) if `out` holds a different study."""
    folder = StudyDir(out)
    definition = spec.definition()
    study_file = out / STUDY_FILE
    if out.exists() and not out.is_dir():
        raise StudyError(f"--out {str(out)!r}: is a file, not a directory")
    if not study_file.exists() and StudyDir(out).parts():
        raise StudyError(f"--out {str(out)!r}: holds runs/ but no {STUDY_FILE}; give an empty or new directory")
    folder.lock()
    try:
        folder.clean_temporary()
        resume = bool(folder.parts())  # with no run saved there is nothing to resume: (re)create the study
        if study_file.exists() and resume:
            try:
                old = json.loads(study_file.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise StudyError(f"{study_file}: unreadable ({exc}); delete the directory to start over") from None
            diff = first_difference(old, definition)
            if diff:
                where, was, now = diff
                raise StudyError(
                    f"--out {str(out)!r}: holds a study with {where} = {_short(was)}, but this command gives "
                    f"{_short(now)}; resume with the same arguments, or give another --out (or delete "
                    f"{RUNS_DIR}/ and {STUDY_FILE} in it to start over)"
                )
            try:
                x = pd.read_parquet(out / SAMPLES_FILE).drop(columns=["sample"]).to_numpy(dtype=float)
            except (OSError, ValueError) as exc:
                reason = " ".join(str(exc).split())
                raise StudyError(
                    f"{out / SAMPLES_FILE}: unreadable ({reason}); delete the directory to start over"
                ) from None
            if x.shape != (definition["runs"], len(spec.space.entries)):
                raise StudyError(f"{out / SAMPLES_FILE}: has shape {x.shape}, expected {definition['runs']} rows")
        else:
            x = sample_matrix(spec.method, spec.space, spec.samples, spec.seed)
            frame = pd.DataFrame(x, columns=spec.space.names)
            frame.insert(0, "sample", np.arange(len(frame), dtype=np.int64))
            write_parquet(out / SAMPLES_FILE, frame)
            created = time.strftime("%Y-%m-%d %H:%M:%S")
            write_json(study_file, {**definition, "versions": versions(), "created": created})
    except BaseException:
        folder.unlock()
        raise
    return Prepared(spec, folder, definition, x, spec.space.values(x))


# --- executing ------------------------------------------------------------------------------------
class _Sink:
    """Buffers finished runs and writes them in batches (a part file per batch)."""

    def __init__(self, folder: StudyDir, batch: int, bar: Any) -> None:
        self.folder, self.batch, self.bar = folder, batch, bar
        self.rows: list[dict[str, Any]] = []
        self.last = time.monotonic()
        self.saved = 0
        self.first_times: list[float] = []  # when the first few runs finished (for steady-state rates)
        self.last_time = math.nan

    def add(self, row: dict[str, Any]) -> None:
        self.rows.append(row)
        self.bar.update(1)
        self.last_time = time.perf_counter()
        if len(self.first_times) < 8:
            self.first_times.append(self.last_time)
        if len(self.rows) >= self.batch or time.monotonic() - self.last >= FLUSH_SECONDS:
            self.flush()

    def flush(self) -> None:
        if self.rows:
            self.folder.write_part(self.rows)
            self.saved += len(self.rows)
            self.rows = []
        self.last = time.monotonic()


def _run_inline(prepared: Prepared, pending: list[int], sink: _Sink) -> None:
    context = prepared.context()
    for i in pending:
        sink.add(run_task(context, prepared.task(i)))


def _run_pool(prepared: Prepared, pending: list[int], sink: _Sink, workers: int) -> None:
    ctx = multiprocessing.get_context("spawn")
    window = max(2 * workers, 4)
    it = iter(pending)
    with cf.ProcessPoolExecutor(
        max_workers=workers, mp_context=ctx, initializer=_init_worker, initargs=(prepared.context(),)
    ) as pool:
        running: set[cf.Future] = set()
        try:
            for i in it:
                running.add(pool.submit(_pool_task, prepared.task(i)))
                if len(running) >= window:
                    break
            while running:
                finished, running = cf.wait(running, return_when=cf.FIRST_COMPLETED)
                for fut in finished:
                    sink.add(fut.result())
                    nxt = next(it, None)
                    if nxt is not None:
                        running.add(pool.submit(_pool_task, prepared.task(nxt)))
        except cf.process.BrokenProcessPool:
            raise StudyFailure("a worker process died (killed or out of memory)") from None
        except BaseException:
            for fut in running:
                fut.cancel()
            raise


def connect(scheduler: str) -> Any:
    """A Dask Client of the scheduler at `scheduler`, or StudyError (one line)."""
    try:
        import distributed
    except ImportError:
        raise StudyError(
            "--scheduler needs Dask distributed: pip install 'rare-earth-abm[sensitivity]' (or dask[distributed])"
        ) from None
    try:
        return distributed.Client(scheduler, timeout="10s")
    except (OSError, TimeoutError) as exc:
        raise StudyError(
            f"--scheduler = {scheduler!r}: cannot connect ({type(exc).__name__}: {' '.join(str(exc).split())}); "
            "give the address of a running Dask scheduler, e.g. tcp://127.0.0.1:8786"
        ) from None


def check_workers(client: Any, where: str) -> int:
    """Every Dask worker runs the same model code and library versions as this process; returns
    the number of worker threads."""
    info = client.scheduler_info()
    workers = info.get("workers", {})
    if not workers:
        raise StudyError(f"{where}: the Dask scheduler has no workers; start some with: dask worker {where}")
    try:
        prints = client.run(worker_fingerprint)
    except Exception as exc:
        raise StudyError(
            f"{where}: the workers cannot run this package ({type(exc).__name__}: {' '.join(str(exc).split())}); "
            "install rare-earth-abm and its dependencies, at the versions used here, on every worker"
        ) from None
    mine = worker_fingerprint()
    for address, theirs in sorted(prints.items()):
        if theirs != mine:
            what = "the model code differs" if theirs["model_code_sha256"] != mine["model_code_sha256"] else ""
            diffs = [f"{k} {theirs['versions'].get(k)} vs {v} here" for k, v in mine["versions"].items()
                     if theirs["versions"].get(k) != v]  # fmt: skip
            detail = "; ".join([what] + diffs if what else diffs)
            raise StudyError(
                f"{where}: worker {address} does not match this process ({detail}); install the same "
                "version of rare-earth-abm and its dependencies on every worker"
            )
    return sum(int(w.get("nthreads", 1)) for w in workers.values())


def _run_dask(prepared: Prepared, pending: list[int], sink: _Sink, client: Any, where: str) -> None:
    import distributed

    threads = check_workers(client, where)
    window = max(2 * threads, 4)
    context = client.scatter(prepared.context(), broadcast=True)
    it = iter(pending)

    def submit(i: int) -> Any:
        return client.submit(run_task, context, prepared.task(i), pure=False, retries=3)

    queue = distributed.as_completed([submit(i) for i in _take(it, window)])
    try:
        for fut in queue:
            try:
                row = fut.result()
            except Exception as exc:
                raise StudyFailure(f"a Dask task failed ({type(exc).__name__}: {' '.join(str(exc).split())})") from None
            fut.release()
            sink.add(row)
            nxt = next(it, None)
            if nxt is not None:
                queue.add(submit(nxt))
    except BaseException:
        for fut in list(queue.futures):
            fut.cancel()
        raise


def _take(it: Iterator[int], n: int) -> list[int]:
    out = []
    for _ in range(n):
        i = next(it, None)
        if i is None:
            break
        out.append(i)
    return out


@dataclass
class Outcome:
    """What `execute` did."""

    total: int
    done_before: int
    ran: int
    seconds: float
    first_times: list[float] = field(default_factory=list)
    last_time: float = math.nan

    def steady_rate(self, workers: int) -> float:
        """Runs per second once every worker has delivered its first run (start-up excluded)."""
        k = min(workers, len(self.first_times))
        if k < 1 or self.ran <= k:
            return math.nan
        return (self.ran - k) / (self.last_time - self.first_times[k - 1])


def execute(
    prepared: Prepared,
    workers: int = 1,
    scheduler: str | None = None,
    client: Any = None,
    batch: int = 50,
    progress: bool | None = None,
) -> Outcome:
    """Run every sample not saved yet, streaming the rows to part files. `client` (a Dask
    Client) or `scheduler` (its address) sends the runs to Dask; otherwise `workers` processes
    (1 = this process). `progress=None` shows a bar on a terminal only."""
    import shutil

    from tqdm import tqdm

    folder = prepared.folder
    done = folder.done()
    pending = [i for i in range(prepared.total) if i not in done]
    cols, rows = shutil.get_terminal_size((80, 24))
    bar = tqdm(
        total=prepared.total,
        initial=len(done),
        desc=f"{prepared.spec.method} {prepared.spec.scenario_name}",
        unit="run",
        file=sys.stderr,
        disable=None if progress is None else not progress,
        ncols=cols or 80,
        nrows=rows or 24,
        dynamic_ncols=False,
    )
    sink = _Sink(folder, max(batch, 1), bar)
    t0 = time.perf_counter()
    own_client = None
    try:
        if pending:
            if client is not None or scheduler is not None:
                if client is None:
                    client = own_client = connect(scheduler or "")
                _run_dask(prepared, pending, sink, client, scheduler or str(client.scheduler.address))
            elif workers <= 1:
                _run_inline(prepared, pending, sink)
            else:
                _run_pool(prepared, pending, sink, workers)
    finally:
        try:
            sink.flush()  # whatever finished is saved, also on Ctrl-C or a failure
        finally:
            bar.close()
            if own_client is not None:
                own_client.close()
    return Outcome(prepared.total, len(done), sink.saved, time.perf_counter() - t0, sink.first_times, sink.last_time)


def collect(prepared: Prepared) -> pd.DataFrame:
    """Every run of a finished study, one row per sample in sample order (checked); the column
    `design` says "sample" for the SALib design and "seed-only" for the runs at the defaults."""
    runs = prepared.folder.read_runs()
    expected = np.arange(prepared.total)
    if len(runs) != prepared.total or not np.array_equal(runs["sample"].to_numpy(), expected):
        missing = sorted(set(expected.tolist()) - set(runs["sample"].tolist())) if len(runs) else expected.tolist()
        raise StudyFailure(f"{prepared.folder.runs}: {len(missing)} samples missing (e.g. {missing[:5]})")
    runs.insert(1, "design", np.where(runs["sample"].to_numpy() < prepared.n_samples, "sample", "seed-only"))
    return runs


__all__ = [
    "METRICS_FILE",
    "Outcome",
    "Prepared",
    "RunContext",
    "StudyDir",
    "StudyError",
    "StudyFailure",
    "StudySpec",
    "Task",
    "check_workers",
    "collect",
    "connect",
    "execute",
    "prepare",
    "run_seed",
    "run_task",
]
