"""An import-linter contract of our own: capabilities meet only through public modules, and no cycle hides.

`type = "capabilities"` (registered in pyproject.toml) checks, for each container (`loyalty`, `shop`):
- no import cycle among its modules, however deep: grimp sees imports inside functions too, so a cycle
  hidden behind a function-level import breaks the contract like any other;
- a capability (a sub-package of the container: `loyalty.points`, `shop.orders`, …, found by itself, so a
  folder added later is covered without a line) is imported from outside only through its public modules:
  those named in `public` (`service`, `models`, … and anything beneath them) and those in `also_public`.
  The container's `entry_points` (its wiring) may import anything: registering views and jobs is their job.
"""

from __future__ import annotations

from importlinter import Contract, ContractCheck, fields, output


class CapabilitiesContract(Contract):
    type_name = "capabilities"

    containers = fields.ListField(subfield=fields.StringField())
    public = fields.ListField(subfield=fields.StringField())
    also_public = fields.ListField(subfield=fields.StringField(), required=False)
    entry_points = fields.ListField(subfield=fields.StringField(), required=False)

    def check(self, graph, verbose: bool) -> ContractCheck:
        cycles, leaks = [], []
        for container in self.containers:
            modules = {container} | graph.find_descendants(container)
            cycles += _cycles(graph, modules)
            leaks += self._leaks(graph, container)
        return ContractCheck(kept=not cycles and not leaks, metadata={"cycles": cycles, "leaks": leaks})

    def _leaks(self, graph, container: str) -> list[tuple[str, str, list[int]]]:
        capabilities = [child for child in sorted(graph.find_children(container)) if graph.find_children(child)]
        entry_points = set(self.entry_points or ())
        also_public = set(self.also_public or ())
        leaks = []
        for capability in capabilities:
            inside = {capability} | graph.find_descendants(capability)
            for imported in sorted(inside):
                if imported == capability or imported in also_public or self._is_public(capability, imported):
                    continue
                for importer in sorted(graph.find_modules_that_directly_import(imported) - inside - entry_points):
                    details = graph.get_import_details(importer=importer, imported=imported)
                    leaks.append((importer, imported, [d["line_number"] for d in details]))
        return leaks

    def _is_public(self, capability: str, module: str) -> bool:
        kind = module[len(capability) + 1:].split(".")[0]
        return kind in self.public

    def render_broken_contract(self, check: ContractCheck) -> None:
        for cycle in check.metadata["cycles"]:
            output.print_error("Import cycle: " + " -> ".join([*cycle, cycle[0]]), bold=False)
            output.new_line()
        for importer, imported, lines in check.metadata["leaks"]:
            output.print_error(f"{importer} -> {imported} (l.{', '.join(map(str, lines))}): "
                               f"{imported} is internal to its capability; call its public modules "
                               f"({', '.join(self.public)})", bold=False)
        if check.metadata["leaks"]:
            output.new_line()


def _cycles(graph, modules: set[str]) -> list[list[str]]:
    """Each strongly connected group of modules (Tarjan), as one cycle through it, shortest-looking first."""
    index, low, stack, on_stack, groups = {}, {}, [], set(), []
    counter = 0

    def visit(start: str) -> None:
        nonlocal counter
        work = [(start, iter(sorted(graph.find_modules_directly_imported_by(start) & modules)))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, edges = work[-1]
            for target in edges:
                if target not in index:
                    index[target] = low[target] = counter
                    counter += 1
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(sorted(graph.find_modules_directly_imported_by(target) & modules))))
                    break
                if target in on_stack:
                    low[node] = min(low[node], index[target])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    group = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.append(member)
                        if member == node:
                            break
                    if len(group) > 1:
                        groups.append(sorted(group))

    for module in sorted(modules):
        if module not in index:
            visit(module)
    return [_a_cycle_through(graph, group) for group in groups]


def _a_cycle_through(graph, group: list[str]) -> list[str]:
    """A path from the group's first module back to itself, within the group (breadth first)."""
    members, start = set(group), group[0]
    previous, frontier = {start: None}, [start]
    while frontier:
        following = []
        for node in frontier:
            for target in sorted(graph.find_modules_directly_imported_by(node) & members):
                if target == start:
                    path = [node]
                    while previous[path[-1]] is not None:
                        path.append(previous[path[-1]])
                    return list(reversed(path))
                if target not in previous:
                    previous[target] = node
                    following.append(target)
        frontier = following
    return group
