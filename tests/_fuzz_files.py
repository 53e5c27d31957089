"""Helpers of the checkpoint fuzz test: take a checkpoint zip apart, parse its
data.pkl into a tree without executing anything, mutate the tree and write it
back, and compute from the raw records what each tensor of a file must hold."""

import io
import pickle
import warnings
import zipfile

import numpy as np

ITEMSIZE = {
    "FloatStorage": 4,
    "DoubleStorage": 8,
    "HalfStorage": 2,
    "BFloat16Storage": 2,
    "LongStorage": 8,
    "IntStorage": 4,
    "ShortStorage": 2,
    "CharStorage": 1,
    "ByteStorage": 1,
    "BoolStorage": 1,
    "ComplexFloatStorage": 8,
    "ComplexDoubleStorage": 16,
}
REBUILD = ("torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_tensor")
PARAM = ("torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state")


class Glob:
    """A global named in the pickle; calling it records the call."""

    def __init__(self, module, name):
        self.module, self.name = module, name

    @property
    def full(self):
        return f"{self.module}.{self.name}"

    def __call__(self, *args):
        return Call(self, args)


class Call:
    """func(*args), then BUILD state, APPENDS items and SETITEMS pairs, as read from the pickle."""

    def __init__(self, func, args):
        self.func, self.args, self.state, self.items, self.pairs = func, list(args), None, [], []

    def __setstate__(self, state):
        self.state = state

    def __setitem__(self, k, v):
        self.pairs.append((k, v))

    def append(self, v):
        self.items.append(v)

    def extend(self, vs):
        self.items.extend(vs)

    def __reduce__(self):
        return (
            self.func,
            tuple(self.args),
            self.state,
            iter(self.items) if self.items else None,
            iter(self.pairs) if self.pairs else None,
        )


class Pid:
    def __init__(self, pid, effective=None):
        self.pid = list(pid)
        self.effective = effective or self  # the reference whose type and size the storage has


class _Parser(pickle.Unpickler):
    """PyTorch's rule: the first reference to a key with data defines the storage."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.first = {}

    def find_class(self, module, name):
        return Glob(module, name)

    def persistent_load(self, pid):
        key = str(pid[2]) if len(pid) > 2 else None
        p = Pid(pid, self.first.get(key))
        try:
            if key not in self.first and pid[4] * ITEMSIZE[pid[1].name] > 0:
                self.first[key] = p
        except (TypeError, KeyError, AttributeError, IndexError):
            pass
        return p


def parse(data):
    return _Parser(io.BytesIO(data), encoding="utf-8").load()


class _Writer(pickle._Pickler):
    dispatch = dict(pickle._Pickler.dispatch)

    def save_glob(self, obj):
        self.write(pickle.GLOBAL + f"{obj.module}\n{obj.name}\n".encode())

    dispatch[Glob] = save_glob

    def persistent_id(self, obj):
        return tuple(obj.pid) if isinstance(obj, Pid) else None


def unparse(tree):
    buf = io.BytesIO()
    _Writer(buf, protocol=2).dump(tree)
    return buf.getvalue()


def records(data):
    """[(name, bytes)] of a zip, in order."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return [(i.filename, zf.read(i)) for i in zf.infolist()]


def rezip(entries):
    out = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # duplicate names are what some cases want
        with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as zf:
            for name, blob in entries:
                zf.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), blob)
    return out.getvalue()


def tensor_calls(node, out=None, seen=None):
    """Every rebuild call in a parsed tree (to be mutated in place)."""
    out = [] if out is None else out
    seen = set() if seen is None else seen
    if id(node) in seen:
        return out
    seen.add(id(node))
    if isinstance(node, Call):
        if isinstance(node.func, Glob) and node.func.full in REBUILD:
            out.append(node)
        for x in [*node.args, node.state, *node.items, *(v for kv in node.pairs for v in kv)]:
            tensor_calls(x, out, seen)
    elif isinstance(node, (list, tuple)):
        for x in node:
            tensor_calls(x, out, seen)
    elif isinstance(node, dict):
        for kv in node.items():
            tensor_calls(list(kv), out, seen)
    return out


class Mismatch(AssertionError):
    pass


class Records:
    """Reads a zip's records on demand (a damaged record that load never touched stays unread)."""

    def __init__(self, zf):
        self.zf, self.cache = zf, {}

    def __getitem__(self, name):
        if name not in self.cache:
            self.cache[name] = self.zf.read(name)
        return self.cache[name]

    def big_endian(self, prefix):
        return f"{prefix}byteorder" in self.zf.namelist() and self[f"{prefix}byteorder"] == b"big"


def _native(blob, stype, big):
    """An element's bytes as the loader must hold them (records written big-endian are swapped;
    complex numbers component by component)."""
    if not big or len(blob) == 1:
        return blob
    if stype.startswith("Complex"):
        h = len(blob) // 2
        return blob[:h][::-1] + blob[h:][::-1]
    return blob[::-1]


def _expected_bytes(call, recs, prefix, rng):
    """(shape, [(index, bytes)]) that a rebuilt tensor must hold, from the record bytes alone;
    raises Mismatch when the call addresses anything outside its record."""
    pid, offset, size, stride = call.args[:4]
    _, stype, key, _, numel = pid.effective.pid
    itemsize = ITEMSIZE[stype.name]
    blob = recs[f"{prefix}data/{key}"]
    if len(blob) != numel * itemsize:
        raise Mismatch(f"record {key} holds {len(blob)} bytes, the pickle says {numel} x {itemsize}")
    size = tuple(size)
    if stride is None or (tuple(stride) == () and size):  # set_() without strides: contiguous
        stride = tuple(int(np.prod(size[i + 1 :], dtype=object)) for i in range(len(size)))
    stride = tuple(stride)
    total = int(np.prod(size, dtype=object)) if size else 1
    if total == 0:
        return size, []
    if total <= 4096:
        idx = list(np.ndindex(*size))
    else:
        idx = [tuple(rng.randrange(s) for s in size) for _ in range(256)] + [tuple(s - 1 for s in size)]
    out = []
    for ix in idx:
        flat = offset + sum(i * s for i, s in zip(ix, stride))
        if not 0 <= flat < numel:
            raise Mismatch(f"a loaded tensor addresses element {flat} of a {numel}-element storage")
        out.append((ix, _native(blob[flat * itemsize : (flat + 1) * itemsize], stype.name, recs.big_endian(prefix))))
    return size, out


def check_loaded(node, value, recs, prefix, rng, seen=None):
    """`value` (what torchlet.load returned) holds exactly what the parsed tree `node` says, and
    every tensor's bytes are the bytes of its storage record."""
    import torchlet

    seen = set() if seen is None else seen
    if id(node) in seen:
        return
    seen.add(id(node))
    if isinstance(node, Call) and isinstance(node.func, Glob):
        name = node.func.full
        if name in REBUILD:
            if not isinstance(value, torchlet.Tensor):
                raise Mismatch(f"a rebuild call gave {type(value).__name__}")
            shape, cells = _expected_bytes(node, recs, prefix, rng)
            if tuple(value.shape) != shape:
                raise Mismatch(f"shape {tuple(value.shape)} != {shape}")
            arr = value._data
            for ix, blob in cells:
                if np.asarray(arr[ix]).tobytes() != blob:
                    raise Mismatch(f"element {ix} is not the record's bytes")
            return
        if name in PARAM:
            return check_loaded(node.args[0], value, recs, prefix, rng, seen)
        if name in ("collections.OrderedDict", "builtins.dict"):
            for k, v in dict(node.pairs).items():
                check_loaded(v, value[k], recs, prefix, rng, seen)
        return
    if isinstance(node, (list, tuple)) and isinstance(value, (list, tuple)) and len(node) == len(value):
        for a, b in zip(node, value):
            check_loaded(a, b, recs, prefix, rng, seen)
    elif isinstance(node, dict) and isinstance(value, dict):
        for k, v in node.items():
            check_loaded(v, value[k], recs, prefix, rng, seen)
    elif isinstance(node, Call) or isinstance(value, torchlet.Tensor):
        raise Mismatch(f"loaded {type(value).__name__} where the file has {type(node).__name__}")
