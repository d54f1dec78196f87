"""Example data sets, each with its causal graph, its story and (where known) its true effect.

Synthetic examples (``marketing``, ``marketing_binary``, ``hospital``, ``collider_trap``,
``instrument``, ``frontdoor``) are generated from their equations with a seed; real ones
(``kidney_stones``, ``lalonde_experimental``, ``lalonde_cps``) come from published counts or small
shipped CSV files. ``marketing`` is the example the app opens on.

Examples
--------
>>> from causal_core.datasets import list_examples, load_example
>>> [e.name for e in list_examples()][:2]
['marketing', 'marketing_binary']
>>> ex = load_example("frontdoor", n=200)
>>> sorted(ex.data.columns), ex.info.true_effect
(['lung_damage', 'smoking', 'tar'], 1.0)
"""

from .base import DEFAULT_EXAMPLE, Example, ExampleInfo, list_examples, load_example

__all__ = ["DEFAULT_EXAMPLE", "Example", "ExampleInfo", "list_examples", "load_example"]
