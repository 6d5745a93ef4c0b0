"""The compiled engine runs the rules exactly as they read.

The rules of ``sim/model/week.py`` are written once. Run interpreted (``NUMBA_DISABLE_JIT=1``,
in a subprocess) they are the readable reference; compiled and run in blocks of
couples side by side they must give the same state bit for bit. The other tests check
the engine's own guarantees: a couple's trajectory does not depend on its block, many
weeks in one call equal as many single weeks, slots rewritten between weeks are read
afresh, and the compiled draws are the array draws.
"""

import copy
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from numba import njit, types
from numba.extending import intrinsic

from sim.model import kernel, layout
from sim.model import parameters as reg
from sim.model.declarations import ACCUMULATORS, BOOKKEEPING, STATE, WEEK
from sim.model.engine import build_params, simulate, step
from sim.model.randomness import WeekDraws, couple_keys, draw_pair, week_hash
from sim.model.state import Params, State, initial_state

YEARS_10 = 520


def assert_same_state(got: State, want: State) -> None:
    """Every array equal, and every float array equal bit for bit (signs of zero too)."""
    assert got.step == want.step
    for name, arr in want.arrays().items():
        other = got.arrays()[name]
        assert other.dtype == arr.dtype, name
        np.testing.assert_array_equal(other, arr, err_msg=name)
        if arr.dtype == np.float64:
            np.testing.assert_array_equal(other.view(np.uint64), arr.view(np.uint64), name)


def random_params(n: int, seed: int) -> Params:
    """Couples drawn uniformly across every registry range, then a block of edge values."""
    rng = np.random.default_rng(seed)

    def draw(p: reg.Parameter) -> np.ndarray:
        if p.integer:
            return rng.integers(int(p.low), int(p.high) + 1, n).astype(float)
        values = rng.uniform(p.low, p.high, n)
        # A tenth of the couples sit on an edge of each range.
        edge = rng.random(n) < 0.1
        values[edge] = rng.choice([p.low, p.high], edge.sum())
        return values

    a = {t.name: draw(t) for t in reg.TRAITS}
    b = {t.name: draw(t) for t in reg.TRAITS}
    env = {e.name: draw(e) for e in reg.ENVIRONMENT}
    # Whole couples at the corners: every trait and parameter at its low or high end.
    for row, end in enumerate(("low", "high", "low", "high")):
        for table in (a, b):
            for name in table:
                table[name][row] = getattr(reg.REGISTRY[name], end)
        for name in env:
            env[name][row] = getattr(reg.REGISTRY[name], "high" if row >= 2 else end)
    return build_params(a, b, env, n)


def concat(params: list[Params]) -> Params:
    """One batch holding the couples of several parameter sets."""
    traits = {k: np.concatenate([p.traits[k] for p in params], axis=1) for k in params[0].traits}
    env = {k: np.concatenate([p.env[k] for p in params]) for k in params[0].env}
    return Params(traits, env)


INTERPRETED = textwrap.dedent(
    """
    import sys
    import numpy as np
    sys.path.insert(0, {tests!r})
    from test_kernel import random_params
    from sim.model.engine import simulate
    from sim.model.randomness import couple_keys

    params = random_params({n}, seed={seed})
    with np.errstate(over="ignore"):
        state = simulate(params, couple_keys({key}, params.n), {steps}).state
    np.savez({out!r}, step=state.step, **state.arrays())
    """
)


@pytest.mark.slow
def test_the_rules_run_interpreted_give_the_compiled_engine_bit_for_bit(tmp_path):
    """21 couples (two whole blocks and one cut short) across the registry, ten years."""
    n, seed, key = 21, 20261201, 7
    out = tmp_path / "interpreted.npz"
    script = INTERPRETED.format(
        tests=os.path.dirname(__file__), n=n, seed=seed, key=key, steps=YEARS_10, out=str(out)
    )
    env = dict(os.environ, NUMBA_DISABLE_JIT="1")
    subprocess.run([sys.executable, "-c", script], check=True, env=env, timeout=600)
    interpreted = np.load(out)
    assert not os.environ.get("NUMBA_DISABLE_JIT")
    params = random_params(n, seed=seed)
    compiled = simulate(params, couple_keys(key, params.n), YEARS_10).state
    assert int(interpreted["step"]) == compiled.step
    for name, want in compiled.arrays().items():
        got = interpreted[name]
        assert got.dtype == want.dtype, name
        np.testing.assert_array_equal(got, want, err_msg=name)
        if want.dtype == np.float64:
            np.testing.assert_array_equal(got.view(np.uint64), want.view(np.uint64), name)
    # The batch covers couples that end, healthily and not, and couples still together.
    ended = ~compiled.active
    assert 0 < ended.sum() < n
    assert set(np.unique(compiled.ending[ended])) == {1, 2}


def test_many_weeks_in_one_call_equal_as_many_single_weeks():
    params = random_params(500, seed=12)
    keys = couple_keys(8, params.n)
    start = simulate(params, keys, 200).state
    whole, weekly = copy.deepcopy(start), copy.deepcopy(start)
    kernel.run_weeks(whole, params, keys, 60)
    for _ in range(60):
        step(weekly, params, keys)
    assert_same_state(whole, weekly)
    ended_in_call = start.active & ~whole.active
    assert ended_in_call.any()
    # A couple that ended during the call shows no events of the weeks after.
    late = ended_in_call & (whole.step_ended < whole.step - 1)
    assert late.any() and not whole.events[:, :, late].any()


def test_a_week_with_no_couple_together_only_moves_the_clock():
    params = random_params(20, seed=2)
    keys = couple_keys(1, params.n)
    state = initial_state(params)
    state.active[:] = False
    state.stress[:] = 2.0  # out of range: a week with nobody together clamps nothing
    state.events[:] = True
    step(state, params, keys)
    assert (state.stress == 2.0).all() and not state.events.any() and state.step == 1


def _subset_state(state: State, idx: np.ndarray) -> State:
    out = copy.deepcopy(state)
    for name, arr in state.arrays().items():
        setattr(out, name, np.ascontiguousarray(arr[..., idx]))
    return out


def test_slots_rewritten_between_weeks_are_read_afresh():
    """A partner market removes couples and writes new ones into their slots: the new
    couples live as they would alone, and the others as if nothing had happened."""
    params = random_params(400, seed=21)
    keys = couple_keys(5, params.n).copy()
    state = simulate(params, keys, 150).state
    untouched = copy.deepcopy(state)
    for _ in range(20):
        step(state, params, keys)
        step(untouched, params, keys)
    slots = np.random.default_rng(3).choice(params.n, 30, replace=False)
    fresh = random_params(30, seed=44)
    for name in params.traits:
        params.traits[name][:, slots] = fresh.traits[name]
    for name in params.env:
        params.env[name][slots] = fresh.env[name]
    new = initial_state(fresh)
    new.step = state.step
    for name, arr in new.arrays().items():
        getattr(state, name)[..., slots] = arr
    fresh_keys = couple_keys(99, 30, start=12345)
    keys[slots] = fresh_keys
    alone = copy.deepcopy(new)
    for _ in range(40):
        step(state, params, keys)
        step(alone, fresh, fresh_keys)
    assert_same_state(_subset_state(state, slots), alone)
    others = np.setdiff1d(np.arange(params.n), slots)
    old_params = random_params(400, seed=21)
    for _ in range(40):
        step(untouched, old_params, couple_keys(5, params.n))
    assert_same_state(_subset_state(state, others), _subset_state(untouched, others))


def test_compiled_draws_are_the_array_draws():
    keys = couple_keys(17, 50)
    for week in (0, 1, 519, 10_000):
        draws = WeekDraws(keys, week)
        hashes = np.array([week_hash(key, week) for key in keys], dtype=np.uint64)
        for slot in (0, 7, 23):
            want = draws.pair(slot)
            got = np.array([draw_pair(hashes, lane, slot) for lane in range(len(keys))]).T
            np.testing.assert_array_equal(got.view(np.uint64), want.view(np.uint64))


def test_the_layout_gives_every_declared_variable_its_own_rows():
    state_fields = set(initial_state(build_params()).arrays())
    declared = {v.name for v in STATE} | {name for name, *_ in BOOKKEEPING} | {"counts", "events"}
    assert state_fields == declared
    assert set(kernel.PARTNER_VARS + kernel.COUPLE_VARS) == {v.name for v in STATE}
    assert layout.TRAIT._fields == reg.TRAIT_NAMES and layout.ENV._fields == reg.ENV_NAMES
    scopes = {v.name: v.scope for v in STATE + WEEK} | {"weeks": "couple"}
    occupied = []
    for table, default in (
        (layout.STATE, None),
        (layout.TRAIT, "partner"),
        (layout.ENV, "couple"),
        (layout.WEEK, None),
    ):
        for name, row in table._asdict().items():
            size = 1 if (default or scopes[name]) == "couple" else 2
            occupied += range(row, row + size)
    assert sorted(occupied) == list(range(layout.N_ROWS)), "rows overlap or are left unused"


@pytest.mark.parametrize("n", [5, 13, 37])
def test_a_couple_lives_the_same_alone_as_in_a_block_cut_short(n):
    # The engine runs couples layout.LANES at a time: these sizes leave lanes free at
    # the end, and a couple that ends hands its lane to the next couple waiting, which
    # then lives its weeks beside couples at other weeks.
    params = random_params(n, seed=100 + n)
    keys = couple_keys(13, params.n)
    batch = simulate(params, keys, YEARS_10).state
    assert n % layout.LANES != 0
    assert 0 < (~batch.active).sum()
    for i in range(n):
        alone = simulate(params.subset(np.array([i])), keys[i : i + 1], YEARS_10).state
        assert_same_state(alone, _subset_state(batch, np.array([i])))


def test_the_engine_cache_is_keyed_on_every_compiled_source():
    """A change to any rule or declaration makes the engine's cached code stale."""
    from sim.model import kernel

    assert kernel.CACHED
    for function in (kernel.advance, kernel._live):
        stamp = function._cache._impl.locator.get_source_stamp()
        assert stamp[1] == kernel.SOURCES_HASH


@intrinsic
def _address(typingctx, pointer):
    """The address a pointer holds, as a number."""

    def codegen(context, builder, signature, args):
        return builder.ptrtoint(args[0], context.get_value_type(types.uintp))

    return types.uintp(pointer), codegen


@njit
def _scratch_offsets():
    floats = _address(kernel._stack_floats(kernel._N_E)) % kernel.ALIGN
    words = _address(kernel._stack_words(kernel.LANES)) % kernel.ALIGN
    return floats, words


def _offsets_at_depth(depth):
    """The scratch's offsets from a cache line, called ``depth`` C calls down the stack
    (each ``map`` moves the stack pointer by a frame of its own)."""
    return _scratch_offsets() if depth == 0 else next(map(_offsets_at_depth, [depth - 1]))


def test_the_scratch_space_is_aligned_to_a_cache_line_wherever_the_stack_is():
    """Unaligned, the engine's speed depended on where a process's stack happened to
    start (one run in four aligned by chance)."""
    assert kernel.ALIGN == 64
    offsets = {_offsets_at_depth(depth) for depth in range(16)}
    assert offsets == {(0, 0)}
    # A row of a block is a whole number of cache lines, so every row starts on one.
    assert (kernel.LANES * np.dtype(np.float64).itemsize) % kernel.ALIGN == 0


def _week_trace() -> list[tuple[str, str, str]]:
    """The accesses of state and week rows in one week, in the order the phases run
    them: ``(kind, group, name)`` with ``group`` ``"STATE"`` or ``"WEEK"`` and ``kind``
    ``"set"`` for a write through ``set_state``, ``"plain"`` for a plain assignment to
    ``block[GROUP.name ..., lane]`` and ``"read"`` for a read of one (week rows only).
    An assignment's value is read before its target is written. Calls to other
    functions of ``week.py`` are followed where they are made; a loop's body is read
    once."""
    import ast
    import inspect

    from sim.model import week

    tree = ast.parse(inspect.getsource(week))
    functions = {f.name: f for f in tree.body if isinstance(f, ast.FunctionDef)}

    def named_row(node):
        """``(group, name)`` of a row ``GROUP.name`` or ``GROUP.name + ...``, else ``None``."""
        node = node.left if isinstance(node, ast.BinOp) else node
        if isinstance(node, ast.Attribute) and getattr(node.value, "id", "") in ("STATE", "WEEK"):
            return node.value.id, node.attr
        return None

    def row_of(subscript):
        """The row of ``block[row, lane]``, else ``None``."""
        if isinstance(subscript, ast.Subscript) and getattr(subscript.value, "id", "") == "block":
            return named_row(subscript.slice.elts[0])
        return None

    def visit(node):
        if isinstance(node, ast.Assign):
            yield from visit(node.value)
            for target in node.targets:
                for t in target.elts if isinstance(target, ast.Tuple) else [target]:
                    row = row_of(t)
                    if row:
                        yield ("plain", *row)
            return
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            for arg in node.args:
                yield from visit(arg)
            if node.func.id == "set_state":
                yield ("set", *named_row(node.args[1]))
            elif node.func.id in functions:
                for statement in functions[node.func.id].body:
                    yield from visit(statement)
            return
        row = row_of(node)
        if row and row[0] == "WEEK":
            yield ("read", *row)
        for child in ast.iter_child_nodes(node):
            yield from visit(child)

    return [
        access
        for phase in week.PHASES
        for statement in functions[phase.__name__].body
        for access in visit(statement)
    ]


def test_every_state_variable_is_last_written_in_the_week_through_set_state():
    """So that every state variable leaves the week in its declared range."""
    trace = [(kind, name) for kind, group, name in _week_trace() if group == "STATE"]
    written = {name for _, name in trace}
    assert {"intimacy", "goodwill", "commitment"} <= written
    for name in written - {"weeks"}:
        kinds = [kind for kind, row in trace if row == name]
        # Plain writes first, then only writes through set_state (one a partner).
        assert kinds[-1] == "set" and "plain" not in kinds[kinds.index("set") :], (name, kinds)
    # Every declared variable the week writes is held; the one it never writes is the
    # capability a partner started with.
    assert {v.name for v in STATE} - written == {"capability0"}


def test_every_week_value_but_the_accumulators_is_written_before_it_is_read():
    """So that no phase reads a value handed on (a problem's size, how one-way help is,
    the usable pace) before the phase that works it out has run: it would read the zero
    the week starts from."""
    first = {}
    for kind, group, name in _week_trace():
        if group == "WEEK":
            first.setdefault(name, kind)
    assert set(first) == {v.name for v in WEEK}
    assert {name for name, kind in first.items() if kind == "read"} == set(ACCUMULATORS)


def test_every_state_variable_stays_in_its_declared_range_week_after_week():
    params = random_params(400, seed=5)
    keys = couple_keys(3, params.n)
    state = initial_state(params)
    for week in range(120):
        step(state, params, keys)
        for v in STATE:
            values = getattr(state, v.name)
            assert (values >= v.low).all() and (values <= v.high).all(), (week, v.name)
