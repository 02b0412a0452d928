"""Runs Rasa's prediction graph in a plan made once per set of targets, instead of through dask.

Rasa 3.6 runs the graph for every message and every predicted action with ``dask.get``: it first rebuilds the
minimal schema (a recursive walk without memo), then dask orders and schedules the tasks, on one thread. In the
profile (README, "Speed") that was about a tenth of a turn, all overhead: the components did nothing more.
The nodes, their inputs and their outputs are Rasa's own; only the bookkeeping is done once. Like dask, a
dependency that is neither a node nor an input is passed on as its name.
"""
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa.engine.exceptions import GraphRunError
from rasa.engine.runner.dask import DaskGraphRunner

Plan = List[Tuple[Text, List[Text]]]  # (node, the names of what it needs), in an order that runs needs first


class PlannedGraphRunner(DaskGraphRunner):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._plans: Dict[Tuple[Text, ...], Plan] = {}

    def _plan(self, targets: List[Text]) -> Plan:
        key = tuple(targets)
        if key not in self._plans:
            nodes = self._graph_schema.nodes
            plan: Plan = []
            done = set()

            def visit(name: Text, path: Tuple[Text, ...] = ()) -> None:
                if name in done or name not in nodes:
                    return
                if name in path:
                    raise GraphRunError(f"The graph has a cycle through '{name}'.")
                needs = list(nodes[name].needs.values())
                for need in needs:
                    visit(need, path + (name,))
                done.add(name)
                plan.append((name, needs))

            for target in targets:
                visit(target)
            self._plans[key] = plan
        return self._plans[key]

    def run(self, inputs: Optional[Dict[Text, Any]] = None, targets: Optional[List[Text]] = None) -> Dict[Text, Any]:
        run_targets = targets if targets else self._graph_schema.target_names
        values: Dict[Text, Any] = {}
        for name, value in (inputs or {}).items():
            if isinstance(value, str) and value in self._graph_schema.nodes:
                raise GraphRunError(f"Input value '{value}' clashes with a node name. Make sure that none of the "
                                    "input names passed to the `run` method are the same as node names in the "
                                    "graph schema.")
            values[name] = (name, value)
        try:
            for name, needs in self._plan(run_targets):
                values[name] = self._instantiated_nodes[name](*(values.get(need, need) for need in needs))
        except RuntimeError as error:
            raise GraphRunError("Error running runner.") from error
        return dict(values[target] for target in run_targets)


def install() -> None:
    """Rasa's processor names the runner class in its own module; no setting chooses another."""
    import rasa.core.processor

    rasa.core.processor.DaskGraphRunner = PlannedGraphRunner  # type: ignore[misc]
