"""The `weights_only=True` unpickler: a pickle reader that executes nothing.

It reads pickle opcodes itself (as torch/_weights_only_unpickler.py does) rather
than handing them to `pickle.Unpickler`: only allow-listed globals are looked up
(the tensor rebuild functions, dtypes, storage types, Size, device,
OrderedDict and a few builtins, plus what the user allows with
`add_safe_globals` / `safe_globals`); REDUCE calls only those; NEWOBJ and BUILD
act only on allow-listed types, so a file can never set attributes on a class
or on a shared object. A malformed pickle (truncated, a bad opcode, a stack
underflow, an unknown memo index) raises `pickle.UnpicklingError`, never
IndexError/KeyError/struct.error. Errors that PyTorch's rebuild functions raise
(RuntimeError for an impossible view, TypeError for mistyped arguments) pass
through as PyTorch lets them.
"""

import collections
import pickle
import struct
from _compat_pickle import IMPORT_MAPPING, NAME_MAPPING  # Python 2 names, mapped as pickle and torch do
from pickle import UnpicklingError

__all__ = [
    "add_safe_globals",
    "get_safe_globals",
    "clear_safe_globals",
    "safe_globals",
    "WeightsUnpickler",
    "weights_only_message",
]

_BLOCKED_MODULES = ("sys", "os", "posix", "nt")
_marked_safe_globals = set()


def add_safe_globals(safe_globals):
    """Allow more globals in weights_only loads: objects, or (object, "module.name") pairs."""
    global _marked_safe_globals
    _marked_safe_globals = _marked_safe_globals | set(safe_globals)


def get_safe_globals():
    return list(_marked_safe_globals)


def clear_safe_globals():
    global _marked_safe_globals
    _marked_safe_globals = set()


class safe_globals:
    """Context manager: the given globals are allowed inside the block only."""

    def __init__(self, safe_globals):
        self.safe_globals = safe_globals

    def __enter__(self):
        add_safe_globals(self.safe_globals)

    def __exit__(self, *exc):
        global _marked_safe_globals
        _marked_safe_globals = _marked_safe_globals - set(self.safe_globals)


def _user_allowed():
    """{"module.qualname": object} for what add_safe_globals added (PyTorch's checks)."""
    out = {}
    for item in _marked_safe_globals:
        if isinstance(item, tuple):
            if len(item) != 2:
                raise ValueError(
                    f"Expected tuple of length 2 (global, str of callable full path), but got "
                    f"tuple of length: {len(item)}"
                )
            if type(item[1]) is not str:
                raise TypeError(
                    f"Expected second item in tuple to be str of callable full path, but got: {type(item[1])}"
                )
            out[item[1]] = item[0]
        else:
            out[f"{item.__module__}.{item.__qualname__}"] = item
    return out


def _torchlet_object(module, name):
    """The torchlet object a torch/torchvision global names (None if torchlet has none), so an
    allow-list holding `torchlet.nn.Linear` admits a checkpoint naming torch.nn.modules.linear.Linear."""
    parts = module.split(".")
    if parts[0] not in ("torch", "torchvision") or any(not p.isidentifier() or p.startswith("_") for p in parts):
        return None  # only public torch paths; never import a private or odd module name from a file
    import importlib
    from .serialization import _map_torch_module

    try:
        obj = importlib.import_module(_map_torch_module(module))
        for part in name.split("."):
            obj = getattr(obj, part)
    except (ImportError, AttributeError):
        return None
    return obj


def _unsupported_global_message(full_path):
    if full_path.startswith("builtins"):
        rest = full_path[len("builtins") :]
        full_path = rest[1:] if rest.startswith(".") else "builtins" + rest
    return (
        f"Unsupported global: GLOBAL {full_path} was not an allowed global by default. Please use "
        f"`torchlet.serialization.add_safe_globals([{full_path}])` or the "
        f"`torchlet.serialization.safe_globals([{full_path}])` context manager to allowlist this "
        "global if you trust this class/function."
    )


UNSAFE_MESSAGE = (
    "In PyTorch 2.6, we changed the default value of the `weights_only` argument in `torchlet.load` "
    "from `False` to `True`. Re-running `torchlet.load` with `weights_only` set to `False` will likely "
    "succeed, but it can result in arbitrary code execution. Do it only if you got the file from a "
    "trusted source."
)
_DOCS_MESSAGE = (
    "\n\nCheck the documentation of torch.load to learn more about types accepted by default with "
    "weights_only https://pytorch.org/docs/stable/generated/torch.load.html."
)


def weights_only_message(message):
    """PyTorch's wrapping of a weights-only refusal (torch.load's _get_wo_message)."""
    import re

    if re.search(r"GLOBAL (\S+) was not an allowed global by default.", message):
        updated = (
            "Weights only load failed. This file can still be loaded, to do so you have two options, "
            "\033[1mdo those steps only if you trust the source of the checkpoint\033[0m. "
            f"\n\t(1) {UNSAFE_MESSAGE}\n\t(2) Alternatively, to load with `weights_only=True` please "
            "check the recommended steps in the following error message.\n\tWeightsUnpickler error: " + message
        )
    elif re.search(r"(\S+) must be (\S+) to load", message):
        return f"Weights only load failed. {message}\n {UNSAFE_MESSAGE}\n"
    else:
        updated = f"Weights only load failed. {UNSAFE_MESSAGE}\n"
        if not re.search(r"whose module (\S+) is blocked", message):
            updated += (
                "Please file an issue with the following so that we can make "
                "`weights_only=True` compatible with your use case: WeightsUnpickler error: "
            )
        updated += "\n\n" + message
    return updated + _DOCS_MESSAGE


class _CallFailed(Exception):
    """Carries an exception raised by an allowed callable out of the opcode loop unchanged."""


_PASS_THROUGH = (RuntimeError, TypeError, ValueError, UnpicklingError)


class WeightsUnpickler:
    """Reads one pickle from a binary file object. `allowed` maps "module.name" to objects,
    `persistent_load(pid)` resolves storages, `uncallable` lists allowed globals that are
    values only (classes that REDUCE/NEWOBJ may not instantiate); `check_args(func, args)` may
    refuse a call before it runs."""

    def __init__(self, file, allowed, persistent_load, uncallable=(), encoding="utf-8", check_args=None):
        self._check_args = check_args or (lambda func, args: None)
        self._file = file
        self._allowed = allowed
        self._persistent_load = persistent_load
        self._uncallable = set(map(id, uncallable))
        self._encoding = encoding

    # -- reading ------------------------------------------------------------
    def _read(self, n):
        data = self._file.read(n)
        if len(data) != n:
            raise UnpicklingError("pickle data was truncated")
        return data

    def _readline(self):
        line = self._file.readline()
        if not line.endswith(b"\n"):
            raise UnpicklingError("pickle data was truncated")
        return line[:-1]

    def load(self):
        try:
            return self._load()
        except _CallFailed as e:
            inner = e.args[0]
            if isinstance(inner, _PASS_THROUGH):
                raise inner.with_traceback(None) from None
            raise UnpicklingError(f"{type(inner).__name__}: {inner}") from None
        except UnpicklingError:
            raise
        except EOFError:
            raise
        except (
            IndexError,
            KeyError,
            struct.error,
            TypeError,
            ValueError,
            AttributeError,
            OverflowError,
            MemoryError,
            RecursionError,
        ) as e:
            raise UnpicklingError(f"malformed pickle data ({type(e).__name__}: {e})") from None

    def _global(self, module, name):
        if (module, name) in NAME_MAPPING:
            module, name = NAME_MAPPING[(module, name)]
        elif module in IMPORT_MAPPING:
            module = IMPORT_MAPPING[module]
        full = f"{module}.{name}"
        if module in _BLOCKED_MODULES:
            raise UnpicklingError(f"Trying to load unsupported GLOBAL {full} whose module {module} is blocked.")
        if full in self._allowed:
            return self._allowed[full]
        user = self._user()
        if full in user:
            return user[full]
        ours = _torchlet_object(module, name) if user else None  # torch.nn.modules.linear.Linear -> nn.Linear
        if ours is not None and any(ours is v for v in user.values()):
            return ours
        raise UnpicklingError(_unsupported_global_message(full))

    @staticmethod
    def _user():
        """The user's allow-list; its own errors (a malformed entry) reach the caller unchanged."""
        try:
            return _user_allowed()
        except (ValueError, TypeError) as e:
            raise _CallFailed(e) from None

    def _is_allowed(self, obj):
        return any(obj is v for v in self._allowed.values()) or any(obj is v for v in self._user().values())

    def _call(self, func, args):
        if not self._is_allowed(func) or id(func) in self._uncallable:
            msg = f"Trying to call reduce for unrecognized function {func}"
            if hasattr(func, "__self__"):
                msg += f" which belongs to {func.__self__}"
            raise UnpicklingError(msg)
        if type(args) is not tuple:
            raise UnpicklingError(f"REDUCE arguments must be a tuple, got {type(args).__name__}")
        self._check_args(func, args)
        try:
            return func(*args)
        except Exception as e:  # re-raised unchanged or as UnpicklingError in load()
            raise _CallFailed(e) from None

    def _newobj(self, cls, args):
        from .nn.parameter import Parameter

        if type(args) is not tuple:
            raise UnpicklingError(f"NEWOBJ arguments must be a tuple, got {type(args).__name__}")
        if cls is Parameter or (isinstance(cls, type) and self._is_allowed(cls) and id(cls) not in self._uncallable):
            self._check_args(cls, args)
            try:
                return Parameter(*args) if cls is Parameter else cls.__new__(cls, *args)
            except Exception as e:
                raise _CallFailed(e) from None
        raise UnpicklingError(
            f"Can only create new object for nn.Parameter or classes allowlisted via `add_safe_globals` but got {cls}"
        )

    def _build(self, inst, state):
        from .nn.parameter import Parameter

        if type(inst) is collections.OrderedDict or type(inst) is Parameter:
            if not isinstance(state, dict):
                raise UnpicklingError(f"BUILD state for {type(inst).__name__} must be a dict")
            if type(inst) is Parameter:
                return  # hooks / attributes of a Parameter are not restored
            inst.__dict__.update(state)
            return
        if type(inst) in self._user().values():
            try:
                if hasattr(inst, "__setstate__"):
                    inst.__setstate__(state)
                    return
                slots = None
                if isinstance(state, tuple) and len(state) == 2:
                    state, slots = state
                if state:
                    inst.__dict__.update(state)
                for k, v in (slots or {}).items():
                    setattr(inst, k, v)
            except Exception as e:
                raise _CallFailed(e) from None
            return
        raise UnpicklingError(
            "Can only build Tensor, Parameter, OrderedDict or types allowlisted "
            f"via `add_safe_globals`, but got {type(inst)}"
        )

    def _load(self):
        read, stack, meta, memo = self._read, [], [], {}

        def pop_mark():
            nonlocal stack
            items, stack = stack, meta.pop()
            return items

        while True:
            op = self._file.read(1)
            if not op:
                raise EOFError("Ran out of input")
            k = op[0]
            if k == 0x80:  # PROTO
                proto = read(1)[0]
                if proto > pickle.HIGHEST_PROTOCOL:
                    raise UnpicklingError(f"unsupported pickle protocol: {proto}")
            elif k == 0x95:  # FRAME
                read(8)
            elif k == 0x2E:  # STOP
                return stack.pop()
            elif k == 0x28:  # MARK
                meta.append(stack)
                stack = []
            elif k == 0x30:  # POP
                if stack:
                    stack.pop()
                else:
                    pop_mark()
            elif k == 0x31:  # POP_MARK
                pop_mark()
            elif k == 0x32:  # DUP
                stack.append(stack[-1])
            elif k == 0x63:  # GLOBAL
                module = self._readline().decode("utf-8")
                name = self._readline().decode("utf-8")
                stack.append(self._global(module, name))
            elif k == 0x93:  # STACK_GLOBAL
                name, module = stack.pop(), stack.pop()
                if type(name) is not str or type(module) is not str:
                    raise UnpicklingError("STACK_GLOBAL requires str")
                stack.append(self._global(module, name))
            elif k == 0x52:  # REDUCE
                args = stack.pop()
                stack[-1] = self._call(stack[-1], args)
            elif k == 0x81:  # NEWOBJ
                args = stack.pop()
                stack[-1] = self._newobj(stack[-1], args)
            elif k == 0x62:  # BUILD
                state = stack.pop()
                self._build(stack[-1], state)
            elif k == 0x51:  # BINPERSID
                pid = stack.pop()
                if type(pid) is not tuple and type(pid) is not int:
                    raise UnpicklingError(f"persistent_load id must be tuple or int, but got {type(pid)}")
                try:
                    stack.append(self._persistent_load(pid))
                except Exception as e:  # the storage reader's own errors, unchanged
                    raise _CallFailed(e) from None
            elif k == 0x4E:  # NONE
                stack.append(None)
            elif k == 0x88:  # NEWTRUE
                stack.append(True)
            elif k == 0x89:  # NEWFALSE
                stack.append(False)
            elif k == 0x4A:  # BININT
                stack.append(struct.unpack("<i", read(4))[0])
            elif k == 0x4B:  # BININT1
                stack.append(read(1)[0])
            elif k == 0x4D:  # BININT2
                stack.append(struct.unpack("<H", read(2))[0])
            elif k == 0x8A:  # LONG1
                stack.append(int.from_bytes(read(read(1)[0]), "little", signed=True))
            elif k == 0x8B:  # LONG4
                n = struct.unpack("<i", read(4))[0]
                if n < 0:
                    raise UnpicklingError("LONG pickle has negative byte count")
                stack.append(int.from_bytes(read(n), "little", signed=True))
            elif k == 0x47:  # BINFLOAT
                stack.append(struct.unpack(">d", read(8))[0])
            elif k == 0x58:  # BINUNICODE
                stack.append(str(read(struct.unpack("<I", read(4))[0]), "utf-8", "surrogatepass"))
            elif k == 0x8C:  # SHORT_BINUNICODE
                stack.append(str(read(read(1)[0]), "utf-8", "surrogatepass"))
            elif k == 0x8D:  # BINUNICODE8
                stack.append(str(read(struct.unpack("<Q", read(8))[0]), "utf-8", "surrogatepass"))
            elif k in (0x55, 0x54):  # SHORT_BINSTRING, BINSTRING (Python 2 str)
                n = read(1)[0] if k == 0x55 else struct.unpack("<i", read(4))[0]
                if n < 0:
                    raise UnpicklingError("BINSTRING pickle has negative byte count")
                data = read(n)
                stack.append(data if self._encoding == "bytes" else data.decode(self._encoding, "strict"))
            elif k in (0x43, 0x42, 0x8E):  # SHORT_BINBYTES, BINBYTES, BINBYTES8
                n = (
                    read(1)[0]
                    if k == 0x43
                    else struct.unpack("<I" if k == 0x42 else "<Q", read(4 if k == 0x42 else 8))[0]
                )
                stack.append(read(n))
            elif k == 0x96:  # BYTEARRAY8
                stack.append(bytearray(read(struct.unpack("<Q", read(8))[0])))
            elif k == 0x5D:  # EMPTY_LIST
                stack.append([])
            elif k == 0x29:  # EMPTY_TUPLE
                stack.append(())
            elif k == 0x7D:  # EMPTY_DICT
                stack.append({})
            elif k == 0x8F:  # EMPTY_SET
                stack.append(set())
            elif k == 0x6C:  # LIST
                items = pop_mark()
                stack.append(items)
            elif k == 0x74:  # TUPLE
                items = pop_mark()
                stack.append(tuple(items))
            elif k == 0x85:  # TUPLE1
                stack[-1] = (stack[-1],)
            elif k == 0x86:  # TUPLE2
                stack[-2:] = [(stack[-2], stack[-1])]
            elif k == 0x87:  # TUPLE3
                stack[-3:] = [(stack[-3], stack[-2], stack[-1])]
            elif k == 0x64:  # DICT
                items = pop_mark()
                stack.append({items[i]: items[i + 1] for i in range(0, len(items) - 1, 2)})
            elif k == 0x91:  # FROZENSET
                items = pop_mark()
                stack.append(frozenset(items))
            elif k == 0x61:  # APPEND
                item = stack.pop()
                self._check_list(stack[-1]).append(item)
            elif k == 0x65:  # APPENDS
                items = pop_mark()
                self._check_list(stack[-1]).extend(items)
            elif k == 0x73:  # SETITEM
                v, key = stack.pop(), stack.pop()
                self._check_dict(stack[-1], "SETITEM")[key] = v
            elif k == 0x75:  # SETITEMS
                items = pop_mark()
                target = self._check_dict(stack[-1], "SETITEMS")
                for i in range(0, len(items) - 1, 2):
                    target[items[i]] = items[i + 1]
            elif k == 0x90:  # ADDITEMS
                items = pop_mark()
                if type(stack[-1]) is not set:
                    raise UnpicklingError(f"Can only ADDITEMS to sets, but got {type(stack[-1])}")
                stack[-1].update(items)
            elif k in (0x68, 0x6A):  # BINGET, LONG_BINGET
                idx = read(1)[0] if k == 0x68 else struct.unpack("<I", read(4))[0]
                if idx not in memo:
                    raise UnpicklingError(f"Memo value not found at index {idx}")
                stack.append(memo[idx])
            elif k in (0x71, 0x72):  # BINPUT, LONG_BINPUT
                idx = read(1)[0] if k == 0x71 else struct.unpack("<I", read(4))[0]
                memo[idx] = stack[-1]
            elif k == 0x94:  # MEMOIZE
                memo[len(memo)] = stack[-1]
            else:
                raise UnpicklingError(f"Unsupported operand {k}")

    def _check_list(self, obj):
        if type(obj) is not list and not (isinstance(obj, list) and type(obj) in self._user().values()):
            raise UnpicklingError(f"Can only append to lists, but got {type(obj)}")
        return obj

    @staticmethod
    def _check_dict(obj, opcode):
        if type(obj) not in (dict, collections.OrderedDict, collections.Counter):
            raise UnpicklingError(
                f"Can only {opcode} for dict, collections.OrderedDict, collections.Counter, but got {type(obj)}"
            )
        return obj
