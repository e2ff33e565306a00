"""The sweep store (SPEC §7 ``sweep``): one SQLite file, written by the client, one transaction per
finished task, so that an interrupted sweep (Ctrl-C, SIGKILL, a dying worker) resumes where it was.

Schema (version :data:`SCHEMA_VERSION`; ``PRAGMA application_id`` marks the file as a sweep store):

* ``meta(key, value)``: format name, schema version, package version that created the file;
* ``scenarios(hash, scenario)``: the canonical JSON of every cell scenario;
* ``runs(id, ...)``: one row per ``gelato sweep`` invocation with the cells it reused and computed;
* ``cells(key, run, grp, point, scenario, policy, V, seed_start, seed_stop, horizon, ...)``: one row
  per finished cell, keyed by its content hash; ``attrs`` holds the Simulation's non-per-seed fields;
* ``summaries(cell, field, seed, value)``: every per-seed field of every cell (long format, so fields
  added to :class:`~gelato_theory.simulation.simulator.Simulation` are stored without a schema
  change; SQLite stores NaN as NULL, read back as NaN);
* ``groups(key, ...)`` and ``verdicts(grp, idx, claim, V, status, measured, bound, low, high, ...)``:
  the verdicts of each grid point x policy once all its cells are in.

A file that is not an SQLite database, an SQLite database of something else, a store of another
schema version, or a store that fails SQLite's integrity check raises :class:`StoreError`; it is
never written to.
"""

from __future__ import annotations

import json
import math
import sqlite3
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from gelato_theory import __version__
from gelato_theory.errors import GelatoError

SCHEMA_VERSION = 1
FORMAT = "gelato-theory sweep store"
APPLICATION_ID = 0x47454C53  # "GELS"

_SCHEMA = """
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE scenarios(hash TEXT PRIMARY KEY, scenario TEXT NOT NULL);
CREATE TABLE runs(
    id INTEGER PRIMARY KEY, name TEXT NOT NULL, spec TEXT NOT NULL, started REAL NOT NULL,
    finished REAL, cells_total INTEGER NOT NULL, cells_reused INTEGER NOT NULL,
    cells_computed INTEGER NOT NULL DEFAULT 0, version TEXT NOT NULL);
CREATE TABLE cells(
    key TEXT PRIMARY KEY, run INTEGER NOT NULL REFERENCES runs(id), grp TEXT NOT NULL,
    point TEXT NOT NULL, scenario TEXT NOT NULL REFERENCES scenarios(hash), policy TEXT NOT NULL,
    V REAL NOT NULL, seed_start INTEGER NOT NULL, seed_stop INTEGER NOT NULL,
    horizon INTEGER NOT NULL, version TEXT NOT NULL, attrs TEXT NOT NULL, elapsed_s REAL NOT NULL,
    worker TEXT NOT NULL, finished REAL NOT NULL);
CREATE TABLE summaries(
    cell TEXT NOT NULL REFERENCES cells(key), field TEXT NOT NULL, seed INTEGER NOT NULL,
    value REAL, PRIMARY KEY(cell, field, seed)) WITHOUT ROWID;
CREATE TABLE groups(
    key TEXT PRIMARY KEY, run INTEGER NOT NULL REFERENCES runs(id), point TEXT NOT NULL,
    scenario TEXT NOT NULL REFERENCES scenarios(hash), policy TEXT NOT NULL, V TEXT NOT NULL,
    seeds INTEGER NOT NULL, horizon INTEGER NOT NULL, claims TEXT NOT NULL, version TEXT NOT NULL);
CREATE TABLE verdicts(
    grp TEXT NOT NULL REFERENCES groups(key), idx INTEGER NOT NULL, claim TEXT NOT NULL, V REAL,
    status TEXT NOT NULL, measured REAL, bound REAL, low REAL, high REAL, detail TEXT NOT NULL,
    seeds_needed INTEGER, PRIMARY KEY(grp, idx));
"""
TABLES = {"meta", "scenarios", "runs", "cells", "summaries", "groups", "verdicts"}


class StoreError(GelatoError):
    """The store file is not a sweep store this version can use (named path, what is wrong)."""

    def __init__(self, path: str | Path, rule: str) -> None:
        self.path = str(path)
        self.rule = rule
        super().__init__(f"store {self.path}: {rule}")


class Store:
    """An open sweep store; use :meth:`open` (validates or creates) and :meth:`close`."""

    def __init__(self, path: Path, conn: sqlite3.Connection) -> None:
        self.path = path
        self.conn = conn

    # --- opening ---------------------------------------------------------------------------------
    @classmethod
    def open(cls, path: str | Path, *, create: bool = True) -> Store:
        """Open a store, creating it if the file does not exist (or is empty) and ``create``."""
        p = Path(path)
        fresh = not p.exists() or (p.is_file() and p.stat().st_size == 0)
        if fresh and not create:
            raise StoreError(p, "does not exist or is empty: no sweep has written to it")
        if p.exists() and not p.is_file():
            raise StoreError(p, "is not a file")
        if not p.parent.is_dir():
            raise StoreError(p, f"its folder {p.parent} does not exist")
        try:
            conn = sqlite3.connect(p, timeout=30.0, isolation_level=None)
        except sqlite3.Error as exc:
            raise StoreError(p, f"cannot be opened ({exc})") from None
        store = cls(p, conn)
        try:
            if fresh:
                store._create()
            else:
                store._check()
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise StoreError(p, f"is not a gelato sweep store or is corrupted ({exc})") from None
        except StoreError:
            conn.close()
            raise
        return store

    def _create(self) -> None:
        c = self.conn
        c.execute("BEGIN IMMEDIATE")
        try:
            for stmt in _SCHEMA.split(";"):
                if stmt.strip():
                    c.execute(stmt)
            c.executemany(
                "INSERT INTO meta VALUES (?, ?)",
                [
                    ("format", FORMAT),
                    ("schema_version", str(SCHEMA_VERSION)),
                    ("created_by", f"gelato-theory {__version__}"),
                    ("created", f"{time.time():.3f}"),
                ],
            )
            c.execute(f"PRAGMA application_id={APPLICATION_ID}")
            c.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
            c.execute("COMMIT")
        except BaseException:
            c.execute("ROLLBACK")
            raise

    def _check(self) -> None:
        c, p = self.conn, self.path
        app = c.execute("PRAGMA application_id").fetchone()[0]
        if app != APPLICATION_ID:
            raise StoreError(
                p,
                f"is an SQLite database of another application (application_id {app}), "
                "not a gelato sweep store; give a new file name",
            )
        ver = c.execute("PRAGMA user_version").fetchone()[0]
        if ver != SCHEMA_VERSION:
            raise StoreError(
                p,
                f"has store schema version {ver}; this gelato-theory reads version {SCHEMA_VERSION}",
            )
        ok = c.execute("PRAGMA quick_check").fetchall()
        if ok != [("ok",)]:
            raise StoreError(p, f"fails SQLite's integrity check ({ok[0][0]}): corrupted")
        tables = {r[0] for r in c.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if not TABLES <= tables:
            raise StoreError(p, f"lacks tables {sorted(TABLES - tables)}: corrupted")
        meta = dict(c.execute("SELECT key, value FROM meta"))
        if meta.get("format") != FORMAT or meta.get("schema_version") != str(SCHEMA_VERSION):
            raise StoreError(
                p, f"has meta {meta}, not a gelato sweep store of schema {SCHEMA_VERSION}"
            )

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _tx(self):
        return _Transaction(self)

    # --- writing ---------------------------------------------------------------------------------
    def begin_run(self, name: str, spec: str, total: int, reused: int) -> int:
        with self._tx() as c:
            cur = c.execute(
                "INSERT INTO runs(name, spec, started, cells_total, cells_reused, version) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (name, spec, time.time(), total, reused, __version__),
            )
            return int(cur.lastrowid)

    def finish_run(self, run: int) -> None:
        with self._tx() as c:
            c.execute("UPDATE runs SET finished = ? WHERE id = ?", (time.time(), run))

    def put_scenarios(self, scenarios: dict[str, str]) -> None:
        with self._tx() as c:
            c.executemany("INSERT OR IGNORE INTO scenarios VALUES (?, ?)", scenarios.items())

    def put_cell(self, run: int, cell: Any, result: Any) -> bool:
        """One finished cell and its per-seed summaries, in one transaction; False (and nothing
        written) when another sweep on the same store wrote this cell meanwhile."""
        seeds = range(cell.seed_start, cell.seed_stop)
        rows = [
            (cell.key, name, s, _real(x))
            for name, arr in result.values.items()
            for s, x in zip(seeds, arr.tolist(), strict=True)
        ]
        with self._tx() as c:
            cur = c.execute(
                "INSERT OR IGNORE INTO cells VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    cell.key,
                    run,
                    cell.group,
                    json.dumps(cell.point),
                    cell.scenario_hash,
                    cell.policy,
                    float(cell.V),
                    cell.seed_start,
                    cell.seed_stop,
                    cell.horizon,
                    result.version,
                    json.dumps(result.attrs),
                    result.elapsed_s,
                    result.worker,
                    time.time(),
                ),
            )
            if cur.rowcount == 0:
                return False
            c.executemany("INSERT INTO summaries VALUES (?, ?, ?, ?)", rows)
            c.execute("UPDATE runs SET cells_computed = cells_computed + 1 WHERE id = ?", (run,))
        return True

    def put_verdicts(self, run: int, group: Any, verdicts: Iterable[Any]) -> None:
        """One group's verdicts, in one transaction."""
        rows = [
            (
                group.key,
                i,
                v.claim,
                v.V,
                v.status,
                _real(v.measured),
                _real(v.bound),
                _real(v.low),
                _real(v.high),
                v.detail,
                v.seeds_needed,
            )
            for i, v in enumerate(verdicts)
        ]
        with self._tx() as c:
            cur = c.execute(
                "INSERT OR IGNORE INTO groups VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    group.key,
                    run,
                    json.dumps(group.point),
                    group.scenario_hash,
                    group.policy,
                    json.dumps(list(group.V)),
                    group.seeds,
                    group.horizon,
                    json.dumps(list(group.claims)),
                    __version__,
                ),
            )
            if cur.rowcount == 0:
                return  # judged by another sweep on the same store meanwhile
            c.executemany("INSERT INTO verdicts VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)

    # --- reading ---------------------------------------------------------------------------------
    def cell_keys(self) -> set[str]:
        return {r[0] for r in self._read("SELECT key FROM cells")}

    def group_keys(self) -> set[str]:
        return {r[0] for r in self._read("SELECT key FROM groups")}

    def runs(self) -> list[dict[str, Any]]:
        cur = self._read("SELECT * FROM runs ORDER BY id")
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur]

    def group_arrays(
        self, cells: Iterable[str], n_V: int
    ) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        """Per-seed fields of a group's cells (V-major order) as (n_V, S) arrays, and the attrs."""
        keys = list(cells)
        attrs = json.loads(
            self._read("SELECT attrs FROM cells WHERE key = ?", (keys[0],)).fetchone()[0]
        )
        per_field: dict[str, list[float]] = {}
        for key in keys:
            rows = self._read(
                "SELECT field, value FROM summaries WHERE cell = ? ORDER BY field, seed", (key,)
            ).fetchall()
            by: dict[str, list[float]] = {}
            for f, x in rows:
                by.setdefault(f, []).append(math.nan if x is None else x)
            for f, xs in by.items():
                per_field.setdefault(f, []).extend(xs)
        values = {f: np.asarray(xs, dtype=float).reshape(n_V, -1) for f, xs in per_field.items()}
        return values, attrs

    def _read(self, sql: str, args: tuple = ()) -> sqlite3.Cursor:
        try:
            return self.conn.execute(sql, args)
        except sqlite3.DatabaseError as exc:
            raise StoreError(self.path, f"cannot be read ({exc})") from None


class _Transaction:
    """``with store._tx() as conn``: BEGIN IMMEDIATE ... COMMIT, ROLLBACK on any exception."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def __enter__(self) -> sqlite3.Connection:
        try:
            self.store.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.DatabaseError as exc:
            raise StoreError(self.store.path, f"cannot be written ({exc})") from None
        return self.store.conn

    def __exit__(self, kind, exc, tb) -> None:
        if kind is None:
            try:
                self.store.conn.execute("COMMIT")
                return
            except sqlite3.DatabaseError as e:
                self.store.conn.execute("ROLLBACK")
                raise StoreError(self.store.path, f"cannot be written ({e})") from None
        self.store.conn.execute("ROLLBACK")
        if isinstance(exc, sqlite3.DatabaseError) and not isinstance(exc, sqlite3.IntegrityError):
            raise StoreError(self.store.path, f"cannot be written ({exc})") from None


def _real(x: Any) -> float | None:
    """A float for SQLite: NaN becomes NULL (SQLite's own behaviour, made explicit)."""
    x = float(x)
    return None if math.isnan(x) else x
