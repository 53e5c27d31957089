"""`functional_call(module, tensors, args)`: run a module with some of its parameters and
buffers replaced by the given tensors, for this one call.

The replacements are swapped into each submodule's `_parameters` / `_buffers`
(or set as plain attributes, for names the module lacks) and the originals are put
back afterwards, even when forward raises. Gradients flow to the given tensors, not
to the module's own parameters. With `tie_weights`, a parameter shared under several
names is replaced under all of them when one name is given.
"""

__all__ = ["functional_call"]


def _slots(module, prefix=""):
    """(name, owner module, leaf name, current value) for every parameter and buffer,
    shared ones listed under each name."""
    out = []
    for kind in ("_parameters", "_buffers"):
        for leaf, value in module.__dict__[kind].items():
            out.append((prefix + leaf, module, leaf, value))
    for child_name, child in module._modules.items():
        if child is not None:
            out.extend(_slots(child, prefix + child_name + "."))
    return out


def _merge(dicts):
    if isinstance(dicts, dict):
        return dict(dicts)
    merged, seen = {}, {}
    for d in dicts:
        for k, v in d.items():
            seen[k] = seen.get(k, 0) + 1
            merged[k] = v
    dup = [k for k, n in seen.items() if n > 1]
    if dup:
        raise ValueError(f"{dup} appeared in multiple dictionaries; behavior of functional call is ambiguous")
    return merged


def _owner(module, name):
    *path, leaf = name.split(".")
    for p in path:
        module = getattr(module, p)
    return module, leaf


def functional_call(module, parameter_and_buffer_dicts, args=None, kwargs=None, *, tie_weights=True, strict=False):
    tensors = _merge(parameter_and_buffer_dicts)
    slots = _slots(module)
    names = {s[0] for s in slots}
    if tie_weights:
        by_id = {}
        for name, _, _, value in slots:
            if value is not None:
                by_id.setdefault(id(value), []).append(name)
        for name, _, _, value in slots:
            if name in tensors and value is not None:
                for other in by_id[id(value)]:
                    tensors.setdefault(other, tensors[name])
    if strict:
        missing = sorted(names - set(tensors))
        unexpected = sorted(set(tensors) - names)
        errors = []
        if unexpected:
            errors.append("Unexpected key(s): " + ", ".join(repr(k) for k in unexpected) + ".")
        if missing:
            errors.append("Missing key(s): " + ", ".join(repr(k) for k in missing) + ".")
        if errors:
            raise RuntimeError(f"Error(s) in reparametrizing for {type(module).__name__}:\n\t" + "\n\t".join(errors))
    restore = []
    try:
        for name, value in tensors.items():
            owner, leaf = _owner(module, name)
            for kind in ("_parameters", "_buffers"):
                table = owner.__dict__[kind]
                if leaf in table:
                    restore.append((table, leaf, table[leaf]))
                    table[leaf] = value
                    break
            else:  # a name the module does not have: a plain attribute for this call
                restore.append((owner.__dict__, leaf, _ABSENT))
                owner.__dict__[leaf] = value
        if args is None:
            args = ()
        elif not isinstance(args, tuple):
            args = (args,)
        return module(*args, **(kwargs or {}))
    finally:
        for table, leaf, old in reversed(restore):
            if old is _ABSENT:
                table.pop(leaf, None)
            else:
                table[leaf] = old


_ABSENT = object()
