"""ID / IDC: agreement with brute force on every mixed graph of 4 observed nodes, textbook cases.

The truth P(y | do(x)) is computed here from scratch (an explicit random SCM, latents as
hidden binary variables, joint built by broadcasting, the treatment's factor removed), sharing
no code with ``causal_core.idcheck``'s own check.
"""

from __future__ import annotations

from functools import lru_cache
from itertools import combinations, permutations, product

import numpy as np
import pandas as pd
import pytest

import causal_core as cc
from causal_core.idalg import id_algorithm, project
from causal_core.idcheck import estimate_id, general_identification

NODES = ["v0", "v1", "v2", "v3"]
PAIRS = list(combinations(range(4), 2))


def _truth_and_joint(directed, bidirected, x, seed):
    """Observed joint P(v0..v3) and P(v_y | do(v_x)) for a random binary SCM (brute force)."""
    rng = np.random.default_rng(seed)
    latents = [f"u{i}{j}" for i, j in bidirected]
    variables = latents + NODES
    k = len(variables)
    parents = {v: [] for v in variables}
    for i, j in directed:
        parents[NODES[j]].append(NODES[i])
    for (i, j), u in zip(bidirected, latents, strict=True):
        parents[NODES[i]].append(u)
        parents[NODES[j]].append(u)
    joint = np.ones([2] * k)
    cut = np.ones([2] * k)
    for v in variables:
        ps = parents[v]
        cpt = rng.dirichlet([0.7, 0.7], size=2 ** len(ps)).reshape([2] * len(ps) + [2])
        order = [variables.index(p) for p in ps] + [variables.index(v)]
        shape = [1] * k
        for ax, size in zip(order, cpt.shape, strict=True):
            shape[ax] = size
        perm = np.argsort(order)
        full = np.transpose(cpt, perm).reshape(shape)  # axes in variable order
        joint = joint * full
        if v != NODES[x]:
            cut = cut * full
    hidden = tuple(range(len(latents)))
    return joint.sum(axis=hidden), cut.sum(axis=hidden)


def _key(directed, bidirected, x, y, perm):
    d = tuple(sorted((perm[i], perm[j]) for i, j in directed))
    b = tuple(sorted(tuple(sorted((perm[i], perm[j]))) for i, j in bidirected))
    return d, b, perm[x], perm[y]


@lru_cache(maxsize=1)
def _cases():
    """Every mixed graph on 4 observed nodes (up to isomorphism) with every (x, y)."""
    seen, out = set(), []
    perms = list(permutations(range(4)))
    for dmask, bmask in product(range(64), range(64)):
        directed = [p for i, p in enumerate(PAIRS) if dmask >> i & 1]
        bidirected = [p for i, p in enumerate(PAIRS) if bmask >> i & 1]
        for x, y in permutations(range(4), 2):
            key = min(_key(directed, bidirected, x, y, p) for p in perms)
            if key not in seen:
                seen.add(key)
                out.append((directed, bidirected, x, y))
    return tuple(out)


def _graph(directed, bidirected):
    return cc.CausalGraph(NODES, [(NODES[i], NODES[j]) for i, j in directed],
                          [(NODES[i], NODES[j]) for i, j in bidirected])


def _check_hedge(g, res, x, y):
    """A hedge (Shpitser & Pearl 2006, Def. 6): F' ⊂ F, F holds x and F' does not, both
    bidirected-connected, and both admit a c-forest (each non-root node keeps one edge towards
    the roots) on the same root set R ⊆ An(y) in the graph without edges into x."""
    adm = project(g)
    f, f2 = set(res.hedge), set(res.hedge_inner)
    assert f2 < f and x in f and x not in f2
    roots = {v for v in f2 if not any(v in adm.parents[c] for c in f2)}
    for s in (f, f2):
        sub = adm.sub(s)
        assert len(sub.districts()) == 1  # one c-component
        assert sub.ancestors(roots) == frozenset(s)  # a forest towards R can be chosen
    assert roots <= adm.without_in(frozenset([x])).ancestors([y])


def test_id_agrees_with_brute_force_on_every_graph_of_four_nodes():
    cases = _cases()
    n_id = n_hedge = 0
    for k, (directed, bidirected, x, y) in enumerate(cases):
        g = _graph(directed, bidirected)
        res = id_algorithm(g, [NODES[x]], [NODES[y]])
        if not res.identified:
            _check_hedge(g, res, NODES[x], NODES[y])
            n_hedge += 1
            continue
        n_id += 1
        obs, cut = _truth_and_joint(directed, bidirected, x, seed=k)
        truth = cut.sum(axis=tuple(i for i in range(4) if i not in (x, y)))
        if x > y:
            truth = truth.T
        got_vars, got = res.expression.evaluate((tuple(NODES), obs))
        extra = tuple(i for i, v in enumerate(got_vars) if v not in (NODES[x], NODES[y]))
        for idx in product(*[range(2) for _ in extra]):  # any value of leftover variables
            sl = [slice(None)] * got.ndim
            for ax, val in zip(extra, idx, strict=True):
                sl[ax] = val
            sub = got[tuple(sl)]
            kept = [v for v in got_vars if v in (NODES[x], NODES[y])]
            if kept == [NODES[y]]:  # no effect: the formula does not depend on x
                sub = np.broadcast_to(sub, (2, 2))
            elif kept != [NODES[x], NODES[y]]:
                sub = sub.T
            np.testing.assert_allclose(sub, truth, atol=1e-10, err_msg=f"{directed} {bidirected} {x}->{y}")
    assert n_id > 1000 and n_hedge > 100  # both kinds are exercised


def _numeric(g, x, y, formula, seed=3):
    """The engine's formula and a hand-written one, on the joint of a random model."""
    res = id_algorithm(g, [x], [y])
    from causal_core.idcheck import RandomModel, _model_nodes

    model = RandomModel(g, _model_nodes(g, [x, y]), np.random.default_rng(seed))
    names, p = model.marginal(frozenset(v for v in g.nodes if g.is_observed(v)))
    vs, got = res.expression.evaluate((names, p))
    return res, vs, got, formula({v: i for i, v in enumerate(names)}, p)


def test_napkin_matches_the_textbook_formula():
    g = cc.CausalGraph.parse("w -> r -> x -> y; w <-> x; w <-> y")

    def textbook(ax, p):  # Σ_w P(x, y | r, w) P(w) / Σ_w P(x | r, w) P(w), for each r
        pw = p.sum(axis=(ax["r"], ax["x"], ax["y"]))
        prw = p.sum(axis=(ax["x"], ax["y"]))  # (w, r)
        pxy_rw = np.transpose(p, (ax["w"], ax["r"], ax["x"], ax["y"])) / prw[:, :, None, None]
        num = np.einsum("wrxy,w->rxy", pxy_rw, pw)
        return num / num.sum(axis=2, keepdims=True)  # (r, x, y)

    res, vs, got, want = _numeric(g, "x", "y", textbook)
    assert res.identified and sorted(vs) == ["r", "x", "y"]
    got = np.transpose(got, [vs.index("r"), vs.index("x"), vs.index("y")])
    np.testing.assert_allclose(got, want, atol=1e-12)
    gid = general_identification(g, ["x"], ["y"])
    assert gid.showable and "r" in gid.result.expression.plain()


def test_bow_is_not_identifiable_and_its_hedge_is_returned():
    g = cc.CausalGraph.parse("x -> y; x <-> y")
    res = id_algorithm(g, ["x"], ["y"])
    assert not res.identified and res.hedge == ("x", "y") and res.hedge_inner == ("y",)
    ident = cc.identify(g, "x", "y")
    assert ident.estimand is None and ident.hedge == ["x", "y"]
    assert any("hedge" in n for n in ident.notes)


def test_verma_graph_matches_the_textbook_formula():
    g = cc.CausalGraph.parse("a -> b -> c -> d; a <-> c; b <-> d")

    def textbook(ax, p):  # Σ_{b,c} P(b|a) P(d|a,b,c) Σ_a' P(a') P(c|a',b)
        q = np.transpose(p, (ax["a"], ax["b"], ax["c"], ax["d"]))
        pa = q.sum(axis=(1, 2, 3))
        pab = q.sum(axis=(2, 3))
        pabc = q.sum(axis=3)
        pb_a = pab / pa[:, None]
        pd_abc = q / pabc[..., None]
        pc_ab = pabc / pab[..., None]
        inner = np.einsum("a,abc->bc", pa, pc_ab)
        return np.einsum("ab,abcd,bc->ad", pb_a, pd_abc, inner)

    res, vs, got, want = _numeric(g, "a", "d", textbook)
    assert res.identified
    got = np.transpose(got, [vs.index("a"), vs.index("d")])
    np.testing.assert_allclose(got, want, atol=1e-12)
    assert res.expression.plain() == "Σ_{b, c} P(b | a) P(d | a, b, c) Σ_{a'} P(a') P(c | a', b)"


def test_front_door_graph_gives_the_front_door_formula():
    res = id_algorithm(cc.CausalGraph.parse("x -> m -> y; x <-> y"), ["x"], ["y"])
    assert res.expression.plain() == "Σ_{m} P(m | x) Σ_{x'} P(x') P(y | m, x')"
    assert r"\sum_{\text{x}'}" in res.expression.latex()


def test_idc_agrees_with_brute_force():
    """P(y | do(x), z) = P(y, z | do(x)) / P(z | do(x)), on a spread of 4-node graphs."""
    checked = 0
    for k, (directed, bidirected, x, y) in enumerate(_cases()[::7]):
        z = next(i for i in range(4) if i not in (x, y))
        g = _graph(directed, bidirected)
        res = id_algorithm(g, [NODES[x]], [NODES[y]], given=[NODES[z]])
        if not res.identified:
            continue
        obs, cut = _truth_and_joint(directed, bidirected, x, seed=1000 + k)
        keep = sorted((x, y, z))
        pxyz = cut.sum(axis=tuple(i for i in range(4) if i not in keep))
        names = [NODES[i] for i in keep]
        truth = pxyz / pxyz.sum(axis=names.index(NODES[y]), keepdims=True)
        vs, got = res.expression.evaluate((tuple(NODES), obs))
        extra = [v for v in vs if v not in names]
        got = got.sum(axis=tuple(vs.index(v) for v in extra)) / 2 ** len(extra)
        kept = [v for v in vs if v in names]
        for v in names:  # a variable the formula does not depend on: broadcast over it
            if v not in kept:
                got, kept = got[..., None], kept + [v]
        got = np.broadcast_to(np.transpose(got, [kept.index(v) for v in names]), truth.shape)
        np.testing.assert_allclose(got, truth, atol=1e-10)
        checked += 1
    assert checked > 100


def test_identify_falls_back_to_id_with_a_checked_formula():
    g = cc.CausalGraph.parse("a -> b -> c -> d; a <-> c; b <-> d")  # Verma: no set, no IV
    ident = cc.identify(g, "a", "d")
    assert ident.adjustment_sets == [] and ident.frontdoor_sets == [] and not ident.instruments
    est = ident.estimand
    assert est is not None and est.kind == "id" and est.steps and "P(" in est.formula
    assert est.latex.startswith(r"P(\text{d} \mid do(\text{a})) = ")
    assert ident.to_dict()["estimand"]["kind"] == "id" and ident.hedge == []
    assert ident.general.checked is True and ident.general.max_error < 1e-9


def test_a_formula_that_disagrees_is_withheld(monkeypatch):
    import causal_core.idcheck as idc
    from causal_core.idalg import IDResult
    from causal_core.idexpr import Prob

    wrong = IDResult(True, ("x",), ("y",), expression=Prob(frozenset({"y"}), frozenset({"x"})))
    monkeypatch.setattr(idc, "id_algorithm", lambda *a, **k: wrong)  # P(y|x): confounded, wrong
    g = cc.CausalGraph.parse("w -> r -> x -> y; w <-> x; w <-> y")
    gid = idc.general_identification(g, ["x"], ["y"])
    assert gid.checked is False and not gid.showable and "withheld" in gid.message
    with pytest.raises(cc.EstimationError, match="no checked ID formula"):
        estimate_id(pd.DataFrame({"x": [0, 1], "y": [0, 1]}), gid)


def test_plug_in_estimate_recovers_the_napkin_effect():
    rng = np.random.default_rng(0)
    n = 40_000
    u1 = rng.random(n) < 0.5  # w <-> x
    u2 = rng.random(n) < 0.5  # w <-> y
    w = (rng.random(n) < 0.1 + 0.2 * u1 + 0.6 * u2).astype(int)
    r = (rng.random(n) < 0.1 + 0.8 * w).astype(int)
    x = (rng.random(n) < 0.05 + 0.6 * r + 0.3 * u1).astype(int)
    y = (rng.random(n) < 0.1 + 0.3 * x + 0.55 * u2).astype(int)
    frame = pd.DataFrame({"w": w, "r": r, "x": x, "y": y})
    gid = general_identification(cc.CausalGraph.parse("w -> r -> x -> y; w <-> x; w <-> y"),
                                 ["x"], ["y"])
    est = estimate_id(frame, gid, n_boot=60, random_state=1)
    assert est.ci_low < 0.3 < est.ci_high and abs(est.value - 0.3) < 0.03  # truth: 0.3
    naive = frame[frame.x == 1].y.mean() - frame[frame.x == 0].y.mean()
    assert naive - 0.3 > 0.05  # confounded: the plug-in is not just the naive contrast


def test_plug_in_says_when_there_is_no_estimator():
    gid = general_identification(cc.CausalGraph.parse("w -> r -> x -> y; w <-> x; w <-> y"),
                                 ["x"], ["y"])
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"w": rng.normal(size=100), "r": 0, "x": 0, "y": 0})
    with pytest.raises(cc.EstimationError, match="no estimator for this estimand yet"):
        estimate_id(frame, gid)


# ----------------------------------------------------- the numerical check itself, against brute force
def _drop_one_condition(expr):
    """The formula with the first conditioning variable of its first conditional removed."""
    from causal_core.idexpr import Frac, Prob, Product, Sum

    if isinstance(expr, Prob):
        if expr.given:
            return Prob(expr.target, expr.given - {min(expr.given)}), True
        return expr, False
    if isinstance(expr, Sum):
        body, done = _drop_one_condition(expr.body)
        return Sum(expr.over, body), done
    if isinstance(expr, Frac):
        num, done = _drop_one_condition(expr.num)
        return (Frac(num, expr.den), True) if done else (expr, False)
    terms, done = list(expr.terms), False
    for i, t in enumerate(terms):
        terms[i], done = _drop_one_condition(t)
        if done:
            break
    return Product(tuple(terms)), done


def _brute_error(models, x, y, expr):
    """Largest |formula − P(y | do(x))| over this file's own brute-force SCMs (inf when NaN)."""
    from causal_core.idexpr import _align

    worst = 0.0
    for obs, cut in models:
        truth = (tuple(NODES[i] for i in sorted((x, y))),
                 cut.sum(axis=tuple(i for i in range(4) if i not in (x, y))))
        _, a, b = _align(expr.evaluate((tuple(NODES), obs)), truth)
        d = np.abs(a - b)
        worst = max(worst, float("inf") if np.isnan(d).any() else float(d.max()))
    return worst


def test_the_exact_check_rejects_wrong_formulas_exactly_when_brute_force_does():
    """ID's formula and two wrong ones (P(y | x); one conditioning variable dropped) on the 4-node
    graphs: the check's verdict equals the verdict of an independent brute-force comparison."""
    from causal_core.idalg import IDResult
    from causal_core.idcheck import exact_check
    from causal_core.idexpr import Prob

    rejected = accepted = 0
    for k, (directed, bidirected, x, y) in enumerate(_cases()[::6]):
        g = _graph(directed, bidirected)
        res = id_algorithm(g, [NODES[x]], [NODES[y]])
        if not res.identified:
            continue
        dropped, changed = _drop_one_condition(res.expression)
        naive = Prob(frozenset({NODES[y]}), frozenset({NODES[x]}))
        models = [_truth_and_joint(directed, bidirected, x, 7 + 3 * k + j) for j in range(3)]
        for expr in [res.expression, naive] + ([dropped] if changed else []):
            wrong = IDResult(True, res.treatment, res.outcome, expression=expr)
            passed, err = exact_check(g, [NODES[x]], [NODES[y]], wrong)
            brute = _brute_error(models, x, y, expr)
            assert brute < 1e-10 or brute > 1e-7, (directed, bidirected, x, y, brute)
            assert passed is (brute < 1e-10), (directed, bidirected, x, y, expr.plain(), err, brute)
            rejected += not passed
            accepted += passed
    assert rejected > 300 and accepted > 500  # both verdicts are exercised


def _random_mixed(n, seed):
    rng = np.random.default_rng(seed)
    names = [f"v{i}" for i in range(n)]
    edges = [(names[i], names[j]) for i in range(n) for j in range(i + 1, min(n, i + 4))
             if rng.random() < 0.45]
    bi = [(names[i], names[j]) for i in range(n) for j in range(i + 1, n) if rng.random() < 1.5 / n]
    return cc.CausalGraph(names, edges, bi)


def test_the_factored_model_matches_its_full_joint():
    """Marginals and P(y | do(x)) by variable elimination equal the full joint of the same tables."""
    from causal_core.idcheck import RandomModel, _model_nodes

    for seed in range(6):
        g = _random_mixed(9, seed)
        x, y = "v1", "v8"
        ix = cc.gindex.graph_index(g)
        nodes = _model_nodes(g, [x, y])
        model = RandomModel(g, nodes, np.random.default_rng(seed))
        axis = {v: i for i, v in enumerate(nodes)}
        joint, cut = np.ones([2] * len(nodes)), np.ones([2] * len(nodes))
        for v, (vs, cpt) in model.tables.items():  # brute force: broadcast every table
            shape = [1] * len(nodes)
            for u in vs:
                shape[axis[u]] = 2
            full = np.transpose(cpt, np.argsort([axis[u] for u in vs])).reshape(shape)
            joint = joint * full
            cut = cut * full if ix.names[v] != x else cut
        observed = [v for v in nodes if v not in ix.hidden]
        some = frozenset(ix.names[v] for v in observed[::2])
        vs, got = model.marginal(some)
        want = joint.sum(axis=tuple(i for i, v in enumerate(nodes) if ix.names[v] not in some))
        order = [ix.names[v] for v in nodes if ix.names[v] in some]
        np.testing.assert_allclose(np.transpose(got, [vs.index(v) for v in order]), want, atol=1e-13)
        vs, got = model.interventional([x], [y])
        want = cut.sum(axis=tuple(i for i, v in enumerate(nodes) if ix.names[v] not in (x, y)))
        order = [ix.names[v] for v in nodes if ix.names[v] in (x, y)]
        np.testing.assert_allclose(np.transpose(got, [vs.index(v) for v in order]), want, atol=1e-13)


def test_the_check_runs_and_rejects_on_graphs_of_twenty_five_nodes():
    """Graphs the former full-joint check could not handle (30+ variables, no adjustment set):
    the ID formula is checked and shown, and two formulas that cannot be right there are rejected:
    P(y | x), and back-door adjustment for the observed parents of x (neither is a valid
    adjustment set, so neither formula equals P(y | do(x)) in a generic model)."""
    from causal_core.idalg import IDResult
    from causal_core.idcheck import MAX_CHECK_CELLS, TOLERANCE, _model_nodes, exact_check
    from causal_core.idexpr import Prob, Product, Sum

    shown = rejected = 0
    for seed in range(12):
        g = _random_mixed(25, seed)
        for x in ("v3", "v10"):
            y = "v24"
            res = id_algorithm(g, [x], [y])
            if not res.identified or len(_model_nodes(g, [x, y])) <= 30 \
                    or cc.identify(g, x, y).adjustment_sets:
                continue
            gid = general_identification(g, [x], [y])
            if gid.checked is None:  # too large for the check: withheld, and said so
                assert not gid.showable and f"{MAX_CHECK_CELLS:,}" in gid.message
                continue
            assert gid.checked is True and gid.showable and gid.max_error < TOLERANCE
            shown += 1
            pa = frozenset(p for p in g.parents(x) if g.is_observed(p))
            wrong = [Prob(frozenset({y}), frozenset({x}))]
            if pa:
                wrong.append(Sum(pa, Product((Prob(frozenset({y}), pa | {x}), Prob(pa, frozenset())))))
            for expr in wrong:
                passed, err = exact_check(g, [x], [y], IDResult(True, (x,), (y,), expression=expr))
                assert passed is False and err > 1e3 * TOLERANCE, expr.plain()
                rejected += 1
    assert shown >= 4 and rejected >= 6


def test_contract_and_sum_out_equal_the_full_product_then_sum():
    """Variable elimination (any order it picks, binary or wider axes) against one big einsum."""
    from causal_core.idexpr import contract, sum_out

    rng = np.random.default_rng(5)
    letters = "abcdefgh"
    for trial in range(60):
        dims = {v: int(rng.integers(2, 4)) for v in letters}
        tables = []
        for _ in range(int(rng.integers(1, 7))):
            vs = tuple(rng.choice(list(letters), size=int(rng.integers(0, 5)), replace=False))
            tables.append((vs, rng.random([dims[v] for v in vs])))
        present = sorted({v for vs, _ in tables for v in vs})
        keep = {v for v in present if rng.random() < 0.4}
        vs, got = contract(tables, keep, max_cells=None if trial % 2 else 10_000)
        spec = ",".join("".join(t[0]) for t in tables) + "->" + "".join(vs)
        want = np.einsum(spec, *(a for _, a in tables))
        assert sorted(vs) == sorted(keep)
        np.testing.assert_allclose(got, want, rtol=1e-12)
        if len(tables[0][0]) > 0:
            sub = set(tables[0][0][::2])
            vs2, got2 = sum_out(tables[0], sub)
            want2 = np.einsum("".join(tables[0][0]) + "->" + "".join(vs2), tables[0][1])
            np.testing.assert_allclose(got2, want2, rtol=1e-12)
    from causal_core.idexpr import TableTooLarge

    wide = [((f"u{i}", f"u{i + 1}"), np.ones((2, 2))) for i in range(12)]
    with pytest.raises(TableTooLarge):
        contract(wide, {f"u{i}" for i in range(13)}, max_cells=1000)
    assert contract(wide, {"u0"}, max_cells=1000)[1].tolist() == [2.0 ** 12] * 2


def test_a_check_over_its_work_budget_is_withheld_not_shown(monkeypatch):
    import causal_core.idcheck as idc

    g = cc.CausalGraph.parse("w -> r -> x -> y; w <-> x; w <-> y")
    assert idc.general_identification(g, ["x"], ["y"]).showable
    monkeypatch.setattr(idc, "MAX_CHECK_WORK", 50)  # the napkin's check builds more than that
    gid = idc.general_identification(g, ["x"], ["y"])
    assert gid.identified and gid.checked is None and not gid.showable
    assert "50 cells in all" in gid.message
