"""Creation functions against torch: values, dtypes, shapes, memory sharing, errors."""

import warnings

import numpy as np
import pytest

import torchlet
from tests.oracle import assert_same, check_error

CASES = {
    # tensor(): dtype inference
    "ints": lambda m: m.tensor([1, 2, 3]),
    "floats": lambda m: m.tensor([1.0, 2.5]),
    "mixed_int_float": lambda m: m.tensor([1, 2.5]),
    "bools": lambda m: m.tensor([True, False]),
    "bool_int": lambda m: m.tensor([True, 1]),
    "bool_float": lambda m: m.tensor([True, 1.5]),
    "complex": lambda m: m.tensor([1, 2.5j]),
    "nested": lambda m: m.tensor([[1, 2], [3, 4]]),
    "nested_3d": lambda m: m.tensor([[[1.0], [2.0]], [[3.0], [4.0]]]),
    "tuple": lambda m: m.tensor((1, 2)),
    "nested_tuple_list": lambda m: m.tensor(([1, 2], (3, 4))),
    "range_obj": lambda m: m.tensor(range(4)),
    "scalar_int": lambda m: m.tensor(3),
    "scalar_float": lambda m: m.tensor(3.5),
    "scalar_bool": lambda m: m.tensor(True),
    "scalar_complex": lambda m: m.tensor(1 + 2j),
    "empty": lambda m: m.tensor([]),
    "empty_nested": lambda m: m.tensor([[]]),
    "empty_rows": lambda m: m.tensor([[], []]),
    "empty_tuple": lambda m: m.tensor(()),
    "np_float64_scalar": lambda m: m.tensor(np.float64(1.5)),
    "np_int32_scalar": lambda m: m.tensor(np.int32(3)),
    "np_bool_scalar": lambda m: m.tensor(np.bool_(True)),
    "np_scalars_in_list": lambda m: m.tensor([np.float64(1.5), 2.0]),
    "np_float32_in_list": lambda m: m.tensor([np.float32(1), 2]),
    "np_int32_in_list": lambda m: m.tensor([np.int32(3), 4]),
    "np_uint8_int8": lambda m: m.tensor([np.uint8(1), np.int8(1)]),
    "np_float16_float": lambda m: m.tensor([np.float16(1), 2.5]),
    "arrays_in_list": lambda m: m.tensor([np.array([1, 2], np.int32), np.array([3, 4], np.int32)]),
    "array_and_list": lambda m: m.tensor([np.array([1, 2], np.int32), [3, 4]]),
    "zero_d_tensors": lambda m: m.tensor([m.tensor(1.0), m.tensor(2.0)]),
    "zero_d_int32_tensors": lambda m: m.tensor([m.tensor(1, dtype=m.int32), m.tensor(2, dtype=m.int32)]),
    "tensor_and_float": lambda m: m.tensor([m.tensor(1), 2.5]),
    "f64_tensor_and_int": lambda m: m.tensor([m.tensor(1.0, dtype=m.float64), 2]),
    "int32_tensor_and_int": lambda m: m.tensor([m.tensor(1, dtype=m.int32), 2]),
    "nested_tensors": lambda m: m.tensor([[m.tensor(1.0), 2.0], [3.0, m.tensor(4.0)]]),
    # tensor(): explicit dtypes
    "dtype_f64": lambda m: m.tensor([1, 2], dtype=m.float64),
    "dtype_int_trunc": lambda m: m.tensor([1.7, -1.7], dtype=m.int64),
    "dtype_uint8_wrap": lambda m: m.tensor([-1, 255], dtype=m.uint8),
    "dtype_uint8_float": lambda m: m.tensor([255.9], dtype=m.uint8),
    "dtype_bool": lambda m: m.tensor([0.5, 0], dtype=m.bool),
    "dtype_f16_overflow": lambda m: m.tensor([70000.0], dtype=m.float16),
    "float32_overflow": lambda m: m.tensor([1e40]),
    "scalar_dtype": lambda m: m.tensor(1.5, dtype=m.int32),
    "requires_grad": lambda m: m.tensor([1.0, 2.0], requires_grad=True),
    # numpy arrays keep their dtype
    "np_int32": lambda m: m.tensor(np.arange(6, dtype=np.int32).reshape(2, 3)),
    "np_float64": lambda m: m.tensor(np.linspace(0, 1, 5)),
    "np_bool": lambda m: m.tensor(np.array([True, False])),
    "np_uint8": lambda m: m.tensor(np.array([1, 250], np.uint8)),
    "np_f16": lambda m: m.tensor(np.array([1.5, 2], np.float16)),
    "np_complex": lambda m: m.tensor(np.array([1 + 1j], np.complex64)),
    "np_noncontig": lambda m: m.tensor(np.arange(12.0).reshape(3, 4).T),
    "np_with_dtype": lambda m: m.tensor(np.array([300]), dtype=m.uint8),
    "np_0d": lambda m: m.tensor(np.array(2.5)),
    "as_tensor_list": lambda m: m.as_tensor([1, 2], dtype=m.float64),
    "as_tensor_scalar": lambda m: m.as_tensor(3),
    "as_tensor_np_scalar": lambda m: m.as_tensor(np.float64(1.5)),
    "asarray_list": lambda m: m.asarray([1.0, 2]),
    "asarray_np_scalar": lambda m: m.asarray(np.float64(1.5)),
    "asarray_tensors": lambda m: m.asarray([m.tensor(1.0), m.tensor(2.0)]),
    "from_numpy_i16": lambda m: m.from_numpy(np.array([1, 2], np.int16)),
    # filled
    "zeros_varargs": lambda m: m.zeros(2, 3),
    "zeros_tuple": lambda m: m.zeros((2, 3)),
    "zeros_list": lambda m: m.zeros([2, 3]),
    "zeros_size": lambda m: m.zeros(m.Size([2, 3])),
    "zeros_scalar": lambda m: m.zeros(()),
    "zeros_np_int": lambda m: m.zeros(np.int64(2), 3),
    "zeros_tensor_size": lambda m: m.zeros(m.tensor(2)),
    "zeros_0": lambda m: m.zeros(0, 2),
    "ones_int32": lambda m: m.ones(2, 3, dtype=m.int32),
    "ones_bool": lambda m: m.ones(2, dtype=m.bool),
    "ones_rg": lambda m: m.ones(2, requires_grad=True),
    "empty_shape": lambda m: (
        m.empty(2, 3, dtype=m.int8).zero_() if hasattr(m.empty(1), "zero_") else m.zeros(2, 3, dtype=m.int8)
    ),
    "full_float": lambda m: m.full((2, 3), 1.5),
    "full_int": lambda m: m.full((2,), 7),
    "full_bool": lambda m: m.full((2,), True),
    "full_complex": lambda m: m.full((2,), 1 + 2j),
    "full_np_float": lambda m: m.full((2,), np.float64(1.5)),
    "full_np_int": lambda m: m.full((2,), np.int32(3)),
    "full_tensor_int": lambda m: m.full((2,), m.tensor(3)),
    "full_tensor_f64": lambda m: m.full((2,), m.tensor(3.5, dtype=m.float64)),
    "full_dtype_trunc": lambda m: m.full((2, 3), 1.5, dtype=m.int64),
    "full_list_size": lambda m: m.full([2], 1),
    "full_size": lambda m: m.full(m.Size([2]), 1.0),
    "full_nan": lambda m: m.full((2,), float("nan")),
    "scalar_tensor": lambda m: m.scalar_tensor(3),
    "scalar_tensor_bool": lambda m: m.scalar_tensor(True),
    "scalar_tensor_dtype": lambda m: m.scalar_tensor(2.5, dtype=m.float64),
    "eye": lambda m: m.eye(3),
    "eye_nm": lambda m: m.eye(2, 3),
    "eye_0": lambda m: m.eye(0),
    "eye_bool": lambda m: m.eye(3, dtype=m.bool),
    "eye_int": lambda m: m.eye(2, 4, dtype=m.int64),
    # *_like
    "zeros_like_int": lambda m: m.zeros_like(m.tensor([1, 2], dtype=m.int32)),
    "zeros_like_dtype": lambda m: m.zeros_like(m.zeros(2), dtype=m.int64),
    "ones_like_f64": lambda m: m.ones_like(m.zeros(2, 2), dtype=m.float64),
    "ones_like_rg": lambda m: m.ones_like(m.zeros(2), requires_grad=True),
    "full_like_int": lambda m: m.full_like(m.zeros(2, dtype=m.int64), 2.7),
    "full_like_float": lambda m: m.full_like(m.zeros(2, 3), 0.5),
    "full_like_bool": lambda m: m.full_like(m.zeros(2, dtype=m.bool), 1),
    "empty_like_shape": lambda m: m.zeros_like(m.empty_like(m.zeros(3, 2, dtype=m.float16))),
    # arange
    "arange_int": lambda m: m.arange(5),
    "arange_start_end": lambda m: m.arange(2, 7),
    "arange_neg_step": lambda m: m.arange(10, 0, -3),
    "arange_float": lambda m: m.arange(0, 1, 0.1),
    "arange_float_03": lambda m: m.arange(0.0, 1.0, 0.3),
    "arange_float_start": lambda m: m.arange(0.5, 3),
    "arange_float_exact": lambda m: m.arange(0, 10, 3.0),
    "arange_f64": lambda m: m.arange(1, 4, dtype=m.float64),
    "arange_f16": lambda m: m.arange(-1, 1, 0.25, dtype=m.float16),
    "arange_int_float_step": lambda m: m.arange(0, 5, 1.5, dtype=m.int64),
    "arange_int32_half_step": lambda m: m.arange(1, 2.5, 0.5, dtype=m.int32),
    "arange_empty": lambda m: m.arange(0, 0),
    "arange_np_scalar": lambda m: m.arange(np.float64(2.0)),
    "arange_tensor": lambda m: m.arange(m.tensor(3)),
    "arange_tensor_float": lambda m: m.arange(m.tensor(3.0)),
    "arange_big": lambda m: m.arange(-3.7, 1000.2, 0.7),
    "arange_rg": lambda m: m.arange(3.0, requires_grad=True),
    "range": lambda m: m.range(0, 1, 0.25),
    "range_int": lambda m: m.range(0, 4),
    # linspace / logspace
    "linspace": lambda m: m.linspace(0, 1, 5),
    "linspace_odd": lambda m: m.linspace(-1, 1, 7),
    "linspace_many": lambda m: m.linspace(-3.3, 7.1, 1001),
    "linspace_one": lambda m: m.linspace(0, 1, 1),
    "linspace_zero": lambda m: m.linspace(0, 1, 0),
    "linspace_int": lambda m: m.linspace(0, 10, 5, dtype=m.int64),
    "linspace_int_down": lambda m: m.linspace(5, 0, 4, dtype=m.int64),
    "linspace_f64": lambda m: m.linspace(0.1, 0.9, 9, dtype=m.float64),
    "linspace_f16": lambda m: m.linspace(0, 1, 5, dtype=m.float16),
    "linspace_complex": lambda m: m.linspace(1 + 1j, 2, 3),
    "linspace_tensors": lambda m: m.linspace(m.tensor(0.0), m.tensor(1.0), 3),
    "logspace": lambda m: m.logspace(0, 2, 3),
    "logspace_base2": lambda m: m.logspace(0, 2, 3, base=2),
    "logspace_base_half": lambda m: m.logspace(0, 1, 3, base=0.5),
    "logspace_many": lambda m: m.logspace(-2, 2, 101),
    "logspace_f64": lambda m: m.logspace(-1, 1, 5, dtype=m.float64),
    "logspace_int": lambda m: m.logspace(0, 3, 4, dtype=m.int64),
    # legacy constructor
    "Tensor_sizes": lambda m: m.Tensor(2, 3).zero_() if hasattr(m.Tensor, "zero_") else m.zeros(2, 3),
    "Tensor_list": lambda m: m.Tensor([1, 2]),
    "Tensor_nested": lambda m: m.Tensor([[1, 2], [3, 4]]),
    "Tensor_ndarray": lambda m: m.Tensor(np.array([1, 2])),
    "Tensor_empty": lambda m: m.Tensor(),
    "Tensor_tuple": lambda m: m.Tensor((2, 3)),
    "Tensor_bools": lambda m: m.Tensor([True]),
    "Tensor_of_tensor": lambda m: m.Tensor(m.tensor([1.0, 2.0], dtype=m.float64)),
}


def _quiet(fn, m):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(m)


@pytest.mark.parametrize("name", list(CASES))
def test_creation_like_torch(name, torch):
    ours, theirs = _quiet(CASES[name], torchlet), _quiet(CASES[name], torch)
    assert_same(ours, theirs, what=name)
    assert ours.requires_grad == theirs.requires_grad


def test_legacy_sizes(torch):
    assert tuple(torchlet.Tensor(2, 3).shape) == (2, 3)
    assert torchlet.Tensor(2, 3).dtype is torchlet.float32
    assert tuple(torchlet.Tensor(torchlet.Size([2, 3])).shape) == (2, 3)
    assert tuple(torchlet.empty(4, 5).shape) == (4, 5)
    assert torchlet.empty_like(torchlet.zeros(3, dtype=torchlet.int16)).dtype is torchlet.int16


def test_default_dtype_float64(torch):
    torchlet.set_default_dtype(torchlet.float64)
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        for name in (
            "floats",
            "mixed_int_float",
            "complex",
            "zeros_tuple",
            "full_float",
            "arange_float",
            "linspace",
            "logspace",
            "eye",
            "Tensor_list",
            "scalar_tensor",
            "ints",
        ):
            assert_same(_quiet(CASES[name], torchlet), _quiet(CASES[name], torch), what=name)
    finally:
        torch.set_default_dtype(old)


def test_tensor_copies():
    a = np.array([1.0, 2.0])
    t = torchlet.tensor(a)
    a[0] = 9
    assert t[0].item() == 1.0 if hasattr(t, "__getitem__") else t._data[0] == 1.0
    src = torchlet.tensor([1.0, 2.0])
    with pytest.warns(UserWarning, match="clone"):
        c = torchlet.tensor(src)
    src._data[0] = 5
    assert c._data[0] == 1.0


def test_from_numpy_shares_memory_both_ways():
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    t = torchlet.from_numpy(a)
    a[0, 0] = 100
    assert t._data[0, 0] == 100
    t._data[1, 2] = -1  # a write through the tensor shows in the array
    assert a[1, 2] == -1
    t.add_(1) if hasattr(t, "add_") else None
    assert np.shares_memory(t.numpy(), a)


def test_as_tensor_and_asarray_memory():
    a = np.arange(4.0)
    assert np.shares_memory(torchlet.as_tensor(a)._data, a)
    assert np.shares_memory(torchlet.asarray(a)._data, a)
    assert not np.shares_memory(torchlet.as_tensor(a, dtype=torchlet.float32)._data, a)
    assert not np.shares_memory(torchlet.asarray(a, copy=True)._data, a)
    t = torchlet.ones(3)
    assert torchlet.as_tensor(t) is t
    assert torchlet.asarray(t) is t
    assert torchlet.asarray(t, copy=True)._data is not t._data
    assert torchlet.as_tensor(t, dtype=torchlet.float64).dtype is torchlet.float64
    with pytest.raises(ValueError):
        torchlet.asarray(a, dtype=torchlet.float32, copy=False)


def test_from_numpy_readonly_warns(torch):
    a = np.arange(3.0)
    a.flags.writeable = False
    with pytest.warns(UserWarning, match="not writable"):
        torchlet.from_numpy(a)


ERRORS = {
    "ragged": lambda m: m.tensor([[1, 2], [3]]),
    "ragged_deep": lambda m: m.tensor([[[1, 2]], [[3]]]),
    "scalar_then_list": lambda m: m.tensor([1, [2]]),
    "str": lambda m: m.tensor("a"),
    "str_in_list": lambda m: m.tensor(["a"]),
    "none": lambda m: m.tensor(None),
    "none_in_list": lambda m: m.tensor([None]),
    "overflow_int": lambda m: m.tensor(2**63),
    "overflow_list": lambda m: m.tensor([2**64]),
    "uint8_overflow": lambda m: m.tensor([300], dtype=m.uint8),
    "uint8_negative_float": lambda m: m.tensor([-1.7], dtype=m.uint8),
    "int8_overflow": lambda m: m.tensor([128], dtype=m.int8),
    "int32_big_float": lambda m: m.tensor([1e10], dtype=m.int32),
    "int_inf": lambda m: m.tensor([float("inf")], dtype=m.int32),
    "int_nan_scalar": lambda m: m.tensor(float("nan"), dtype=m.int64),
    "complex_to_float": lambda m: m.tensor(2 + 3j, dtype=m.float32),
    "multi_elem_tensors": lambda m: m.tensor([m.ones(2), m.ones(2)]),
    "int_requires_grad": lambda m: m.tensor([1, 2], requires_grad=True),
    "zeros_int_requires_grad": lambda m: m.zeros(2, dtype=m.int64, requires_grad=True),
    "arange_requires_grad": lambda m: m.arange(3, requires_grad=True),
    "np_object": lambda m: m.tensor(np.array([1], dtype=object)),
    "np_str": lambda m: m.tensor(np.array(["a"])),
    "from_numpy_object": lambda m: m.from_numpy(np.array([1], dtype=object)),
    "from_numpy_negative_stride": lambda m: m.from_numpy(np.arange(4)[::-1]),
    "tensor_negative_stride": lambda m: m.tensor(np.arange(4)[::-1]),
    "from_numpy_list": lambda m: m.from_numpy([1]),
    "full_int_size": lambda m: m.full(2, 1.0),
    "full_nan_int": lambda m: m.full((2,), float("nan"), dtype=m.int64),
    "zeros_float_size": lambda m: m.zeros(2.5),
    "zeros_float_in_tuple": lambda m: m.zeros((2, 2.5)),
    "zeros_negative": lambda m: m.zeros(-1),
    "zeros_negative_2": lambda m: m.zeros(2, -1),
    "ones_negative": lambda m: m.ones(-1),
    "empty_negative": lambda m: m.empty(-1),
    "full_negative": lambda m: m.full((-1,), 1.0),
    "arange_zero_step": lambda m: m.arange(0, 5, 0),
    "arange_bad_sign": lambda m: m.arange(5, 1),
    "arange_bad_sign_neg": lambda m: m.arange(1, 5, -1),
    "arange_inf": lambda m: m.arange(float("inf")),
    "arange_bool": lambda m: m.arange(3, dtype=m.bool),
    "linspace_negative": lambda m: m.linspace(0, 1, -1),
    "linspace_float_steps": lambda m: m.linspace(0, 1, 3.0),
    "linspace_bool": lambda m: m.linspace(0, 1, 5, dtype=m.bool),
    "eye_negative": lambda m: m.eye(-1),
    "eye_negative_m": lambda m: m.eye(2, -1),
    "eye_float": lambda m: m.eye(3, 2.5),
    "Tensor_float": lambda m: m.Tensor(3.5),
    "Tensor_np_float": lambda m: m.Tensor(np.float64(2)),
    "Tensor_mixed_sizes": lambda m: m.Tensor(2, 3.5),
}
SAME_MESSAGE = {
    "ragged",
    "ragged_deep",
    "str",
    "str_in_list",
    "none",
    "none_in_list",
    "overflow_int",
    "uint8_overflow",
    "uint8_negative_float",
    "int8_overflow",
    "int32_big_float",
    "multi_elem_tensors",
    "int_requires_grad",
    "zeros_int_requires_grad",
    "from_numpy_negative_stride",
    "from_numpy_list",
    "full_int_size",
    "zeros_float_size",
    "zeros_float_in_tuple",
    "zeros_negative",
    "zeros_negative_2",
    "ones_negative",
    "empty_negative",
    "full_negative",
    "arange_zero_step",
    "arange_bad_sign",
    "arange_inf",
    "arange_bool",
    "linspace_negative",
    "linspace_bool",
    "eye_negative",
    "eye_negative_m",
    "Tensor_float",
    "Tensor_np_float",
    "complex_to_float",
    "scalar_then_list",
}


@pytest.mark.parametrize("name", list(ERRORS))
def test_errors_like_torch(name, torch):
    ours, theirs = check_error(ERRORS[name])
    if name in SAME_MESSAGE:
        assert str(ours) == str(theirs)
