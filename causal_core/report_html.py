"""The HTML report's sections: one self-contained document, every user-written name escaped.

Plotly's JavaScript is embedded once in the head (``plotly.offline.get_plotlyjs()``); each
figure is a ``fig.to_html(full_html=False, include_plotlyjs=False)`` fragment. Nothing has a
``src`` or ``href`` that a browser would fetch, so the file opens offline.

Examples
--------
>>> from causal_core.report_html import esc
>>> esc('<img src=x onerror="alert(1)">')
'&lt;img src=x onerror=&quot;alert(1)&quot;&gt;'
"""

from __future__ import annotations

import html
import json
from typing import Any

from . import fmt
from .analysis import Analysis
from .conclusion import CheckRow, check_rows
from .mathml import estimand_mathml
from .missing import missing_sentence
from .report import MAX_ASSUMPTIONS, _f, conclusion_of, estimate_sentence, missing_arrows
from .report_svg import dag_svg, legend_html

__all__ = ["esc", "render"]

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;max-width:1080px;
margin:0 auto;padding:24px 32px 64px;color:#1b1b1b;line-height:1.5}
h1{font-size:1.8em;margin-bottom:.2em}h2{margin-top:1.8em;border-bottom:2px solid #eee;
padding-bottom:.2em}h3{margin-bottom:.3em}.muted{color:#666;font-size:.92em}
table{border-collapse:collapse;margin:.6em 0;font-size:.93em}th,td{border:1px solid #ddd;
padding:4px 9px;text-align:left;vertical-align:top}th{background:#f6f6f6}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.verdict{border-radius:8px;padding:14px 18px;margin:1em 0}.verdict h2{border:0;margin:0 0 .3em}
.good{background:#e9f6ec;border:1px solid #9fd3ab}.weak{background:#fff6e0;border:1px solid #f0cf78}
.bad{background:#fdecec;border:1px solid #eba3a3}.badge{display:inline-block;padding:1px 9px;
border-radius:10px;font-size:.85em;font-weight:600;color:#fff}.pass{background:#2e7d32}
.fail{background:#c62828}.warn{background:#b26a00}.info{background:#546e7a}
.kind{background:#e8eaf6;color:#283593}.card{border:1px solid #ddd;border-radius:8px;padding:10px 16px;
margin:14px 0}.card.failed{border-color:#c62828;border-width:2px}
math{font-size:1.15em;margin:.5em 0}.plot{width:100%}
code,pre{background:#f4f4f4;border-radius:4px;padding:1px 4px;font-size:.9em;
white-space:pre-wrap;word-break:break-word}.legend{margin:.4em 0;font-size:.9em}
.legend-item{margin-right:14px;white-space:nowrap}.swatch{display:inline-block;width:12px;
height:12px;border:1px solid #333;border-radius:3px;margin-right:4px;vertical-align:-1px}
.dagbox{overflow-x:auto;border:1px solid #eee;border-radius:8px;padding:8px}
li{margin:.15em 0}
"""


def esc(text: object) -> str:
    """HTML-escape any text (quotes too), for element content and attribute values."""
    return html.escape(str(text), quote=True)


def _table(header: list[str], rows: list[list[Any]], num_from: int = 99) -> str:
    head = "".join(f"<th>{esc(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f'<td class="num">{esc(_f(c))}</td>' if i >= num_from
                         else f"<td>{esc(c)}</td>" for i, c in enumerate(r)) + "</tr>"
        for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


class _Figures:
    """Numbered plotly fragments (deterministic ids, no JS bundle in each)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, fig: Any, height: int = 380) -> str:
        from .refute_plots import readable

        self.count += 1
        # small base margins; automargin grows each side as far as its labels need
        readable(fig).update_layout(height=height, margin={"l": 10, "r": 10, "t": 60, "b": 10})
        return fig.to_html(full_html=False, include_plotlyjs=False, div_id=f"figure-{self.count}",
                           config={"displaylogo": False, "responsive": True})


def _question(a: Analysis) -> str:
    est = a.estimates[a.estimator]
    target = {"ate": "on average over everyone (ATE)", "att": "for the treated (ATT)",
              "atc": "for the untreated (ATC)"}.get(a.target, a.target)
    return (f"<h2>The question</h2><p>What is the causal effect of <b>{esc(a.treatment)}</b> on "
            f"<b>{esc(a.outcome)}</b>, {esc(target)}? The treatment is "
            f"{esc(est.get('treatment_type', ''))}; the effect compares "
            f"{esc(' → '.join(str(c) for c in est.get('contrast') or []))}.</p>")


def _data(a: Analysis) -> str:
    d = a.data
    rows = [[c, t] for c, t in zip(d.columns, d.dtypes, strict=False)]
    source = f" (the shipped example <code>{esc(d.example)}</code>)" if d.example else ""
    return (f"<h2>The data</h2><p><b>{esc(d.file_name)}</b>{source}: {d.n_rows:,} rows, "
            f"{len(d.columns)} columns. Content fingerprint (sha256) "
            f"<code>{esc(d.fingerprint[:16])}…</code> — a reader can check that their copy is "
            "the same table.</p>"
            f"<p id=\"missing-data\">{esc(missing_sentence(a.estimates[a.estimator]))}</p>"
            + _table(["column", "type"], rows))


def _graph(a: Analysis) -> str:
    g, ag = a.causal_graph(), a.analysis_graph()
    roles = a.identification.get("node_roles") or {}
    missing = missing_arrows(ag)
    items = "".join(f"<li><b>{esc(x)}</b> and <b>{esc(y)}</b>: neither causes the other directly, "
                    "and no unmeasured cause affects both.</li>" for x, y in missing[:MAX_ASSUMPTIONS])
    if len(missing) > MAX_ASSUMPTIONS:
        items += f"<li><i>… and {len(missing) - MAX_ASSUMPTIONS} more pairs.</i></li>"
    latent = [n for n in ag.nodes if not ag.is_observed(n)]
    extra = (f"<p>Unmeasured (latent) in this analysis: {esc(', '.join(latent))}.</p>"
             if latent else "")
    claims = (f"<ul>{items}</ul>" if missing else
              "<p>Every pair of observed variables is joined by an edge: the graph makes no "
              "exclusion claim.</p>")
    return (f"<h2>The causal model</h2><div class=\"dagbox\">{dag_svg(g, roles)}</div>"
            f"{legend_html(roles)}<p class=\"muted\">{len(g.nodes)} variables, {len(g.edges)} "
            f"arrows, {len(g.bidirected)} bidirected edges (dashed: an unmeasured common cause)."
            f"</p>{extra}<h3>Assumptions in words</h3><p>Each arrow says a cause <i>may</i> act "
            "directly. Each <b>missing</b> arrow is a claim the data cannot prove; "
            f"{len(missing)} pair{'' if len(missing) == 1 else 's'} of observed variables "
            f"{'is' if len(missing) == 1 else 'are'} claimed unconnected:</p>{claims}")


def _estimand(a: Analysis) -> str:
    e = a.identification.get("estimand") or {}
    sets = a.identification.get("adjustment_sets") or []
    shown = "; ".join("{" + ", ".join(s) + "}" for s in sets[:20]) or "none"
    pick = ("the estimand's default" if a.adjustment_choice is None else "chosen by the analyst")
    return (f"<h2>Identification</h2><p>Strategy: <b>{esc(e.get('kind', 'n/a'))}</b>. "
            f"{esc(e.get('description', ''))}</p><p>The estimand:</p>"
            f'<div class="estimand">{estimand_mathml(e)}</div>'
            f"<details><summary class=\"muted\">LaTeX source</summary><pre>"
            f"{esc(e.get('latex', ''))}</pre></details><p>Minimal sufficient adjustment sets: "
            f"{esc(shown)}{' …' if len(sets) > 20 else ''}. Adjusted for here: "
            f"<b>{esc(', '.join(a.adjustment_set) or 'nothing')}</b> ({pick}).</p>")


def _estimates(a: Analysis, fig: _Figures) -> str:
    from .plots import forest_plot

    objs = a.estimate_objects()
    order = [a.estimator] + [k for k in objs if k != a.estimator]
    rows = []
    for k in order:
        e = a.estimates[k]
        rows.append([e["method_label"] + (" (main)" if k == a.estimator else ""),
                     e["target"].upper(), e["value"], e["se"], e["ci_low"], e["ci_high"],
                     fmt.pvalue(e["p_value"]), e["n_used"]])
    main = a.estimates[a.estimator]
    level = f"{100 * (1 - main['alpha']):.10g}%"
    ref = a.reference or {}
    plot = forest_plot([objs[k] for k in order], reference=ref.get("value"),
                       reference_label="true effect" if ref.get("is_truth") else "benchmark")
    warn = "".join(f"<li>{esc(w)}</li>" for w in main.get("warnings") or [])
    return ("<h2>Estimates</h2>" + _table(
        ["method", "target", "estimate", "se", f"ci lower {level}", f"ci upper {level}", "p",
         "rows used"], rows, num_from=2)
        + f"<p>{esc(estimate_sentence(main))} Interval: {esc(main['ci_method'])}.</p>"
        + (f"<p>Warnings:</p><ul>{warn}</ul>" if warn else "")
        + fig(plot, max(260, 140 + 50 * len(order))))


_BADGE = {"passed": "pass", "stable": "pass", "failed": "fail", "unstable": "warn",
          "inconclusive": "warn", "": "info"}


def _refutations(a: Analysis, fig: _Figures) -> str:
    from .refute_plots import check_figure

    if not a.refutations:
        return "<h2>Checks</h2><p>No check was run.</p>"
    objs = a.refutation_objects()
    rows = check_rows(list(objs.values()))
    by_label = {r.label: r for r in objs.values()}
    table = _table(list(CheckRow.HEADER), [r.cells() for r in rows])
    cards = []
    for row in rows:
        r = by_label[row.check]
        verdict = r.verdict or "not a test"
        badge = (f'<span class="badge kind">{esc(r.kind)}</span> '
                 f'<span class="badge {_BADGE.get(r.verdict, "info")}">{esc(verdict)}</span>')
        failed = r.verdict == "failed"
        nxt = (f"<p><b>Next:</b> {esc(r.next_step)}</p>" if r.next_step else "")
        cards.append(
            f'<div class="card{" failed" if failed else ""}"><h3>{esc(r.label)} {badge}</h3>'
            f'<p class="muted">{esc(r.question)}</p><p>{esc(r.explanation)}</p>{nxt}'
            f'<p class="muted">Null hypothesis: {esc(r.null_hypothesis)}<br>Can detect: '
            f"{esc(r.can_detect)}<br>Cannot detect: {esc(r.cannot_detect)}</p>"
            f"{fig(check_figure(r), 360)}</div>")
    return ("<h2>Checks</h2><p>Three kinds of check, never mixed: <b>falsification</b> tests can "
            "fail (a failure is a reason to doubt the estimate); <b>stability</b> checks measure "
            "how far the estimate moves, in its own standard errors, against a tolerance stated "
            "up front; <b>sensitivity</b> says how strong a hidden confounder would have to be "
            "and never passes or fails.</p>" + table + "".join(cards))


def _sensitivity(a: Analysis, fig: _Figures) -> str:
    from .refute_plots import sensitivity_contour

    sens = a.sensitivity_object()
    if sens is None:
        return ("<h2>Sensitivity to a hidden confounder</h2><p>The omitted-variable-bias "
                "analysis needs a linear regression estimate; it was not run.</p>")
    return (f"<h2>Sensitivity to a hidden confounder</h2><p>Robustness value "
            f"<b>RV = {_f(sens.rv_q)}</b> (at significance {_f(sens.alpha)}: "
            f"{_f(sens.rv_qa)}). {esc(sens.explanation)} Sensitivity is not a test: it never "
            "passes or fails.</p>" + fig(sensitivity_contour(sens), 460))


def _curves(a: Analysis, fig: _Figures) -> str:
    """Seeing and doing curves (``result.x``, ``result.mean_outcome``) on one plot, if any."""
    import plotly.graph_objects as go

    from ._escape import plotly_text

    plot = go.Figure()
    for w in a.whatif:
        res = w.get("result") if isinstance(w.get("result"), dict) else {}
        x, y = res.get("x"), res.get("mean_outcome")
        ok = isinstance(x, list) and isinstance(y, list) and len(x) == len(y) and all(
            isinstance(v, int | float) and not isinstance(v, bool) for v in [*x, *y])
        if ok and x:
            label = {"seeing": "seeing: E[Y | X = x] in the data",
                     "doing": "doing: E[Y | do(X = x)] in the model"}.get(res.get("kind"), "curve")
            plot.add_scatter(x=x, y=y, mode="lines+markers", name=label)
    if not plot.data:
        return ""
    plot.update_layout(title="Seeing versus doing",
                       xaxis_title=plotly_text(a.treatment), yaxis_title=plotly_text(
                           f"mean {a.outcome}"), legend={"orientation": "h", "y": -0.25})
    return fig(plot, 380)


def _whatif(a: Analysis, fig: _Figures) -> str:
    if not a.whatif:
        return ""
    parts = ["<h2>What if</h2>"]
    for w in a.whatif:
        parts.append(f"<h3>{esc(w.get('question', 'What if?'))}</h3>")
        if w.get("answer"):
            parts.append(f"<p>{esc(w['answer'])}</p>")
        res = w.get("result") if isinstance(w.get("result"), dict) else {}
        effects = res.get("effects") if isinstance(res.get("effects"), list) else []
        rows = [[e.get("node"), e.get("mean_t1"), e.get("mean_t0"), e.get("effect"),
                 e.get("ci_low"), e.get("ci_high")] for e in effects if isinstance(e, dict)]
        if rows:
            parts.append(_table(["node", "mean under t1", "mean under t0", "effect", "ci lower",
                                 "ci upper"], rows, num_from=1))
        for note in res.get("notes") or []:
            parts.append(f'<p class="muted">{esc(note)}</p>')
    return "".join(parts) + _curves(a, fig)


def _reproduce(a: Analysis) -> str:
    runs = [[k, v.get("n_simulations"), json.dumps(v.get("params", {}), sort_keys=True)]
            for k, v in a.refutation_runs.items()]
    return (f"<h2>Reproduce</h2><p>Estimator <code>{esc(a.estimator)}</code>, target "
            f"<code>{esc(a.target)}</code>, seed <code>{a.random_state}</code>, parameters "
            f"<code>{esc(json.dumps(a.params, sort_keys=True))}</code>. The accompanying Python "
            "script reruns this analysis with <code>causal_core</code> on the same data file and "
            "prints the same estimate.</p>"
            + (_table(["refutation", "simulations", "parameters"], runs) if runs else ""))


def render(a: Analysis) -> str:
    """The whole report as one HTML string."""
    import plotly.offline

    c = conclusion_of(a)
    headline, sentences, tone = c.headline, c.sentences, c.tone
    fig = _Figures()
    body = [
        f"<h1>{esc(a.title or f'Effect of {a.treatment} on {a.outcome}')}</h1>",
        f'<p class="muted">Causal Explorer report · causal_core {esc(a.engine_version)} · '
        f"{esc(a.created)}</p>",
        f'<section class="verdict {tone}" id="conclusion"><h2>Conclusion: {esc(headline)}</h2>'
        + "".join(f"<p>{esc(s)}</p>" for s in sentences) + "</section>",
        _question(a), _data(a), _graph(a), _estimand(a), _estimates(a, fig),
        _refutations(a, fig), _sensitivity(a, fig), _whatif(a, fig), _reproduce(a),
    ]
    js = plotly.offline.get_plotlyjs()
    if "</script" in js.lower():  # never the case today; keep the bundle inside its tag
        js = js.replace("</script", "<\\/script").replace("</SCRIPT", "<\\/SCRIPT")
    title = esc(a.title or f"Effect of {a.treatment} on {a.outcome}")
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{title} · Causal Explorer report</title><style>{_CSS}</style>"
        '<script type="text/javascript">window.PlotlyConfig = {MathJaxConfig: "local"};</script>'
        f'<script type="text/javascript">{js}</script></head><body>'
        + "\n".join(body) + "</body></html>\n")
