"""torchlet.backends.cuda: CUDA is 'built' when CuPy is installed. `matmul.allow_tf32`
(False by default, as in PyTorch) sets cuBLAS's float32 compute type through CuPy; the
other matmul and SDPA flags are recorded and change nothing (no fused-attention kernels)."""


def is_built():
    from .. import accelerator

    return accelerator._built()


class _Matmul:
    _tf32 = False

    @property
    def allow_tf32(self):
        return self._tf32

    @allow_tf32.setter
    def allow_tf32(self, value):
        from .. import _backends_cupy

        self._tf32 = bool(value)
        if _backends_cupy.registered():
            _backends_cupy.set_tf32(self._tf32)

    allow_fp16_reduced_precision_reduction = True
    allow_bf16_reduced_precision_reduction = True


matmul = _Matmul()

_sdp = {"flash": True, "mem_efficient": True, "math": True, "cudnn": True}


def flash_sdp_enabled():
    return _sdp["flash"]


def mem_efficient_sdp_enabled():
    return _sdp["mem_efficient"]


def math_sdp_enabled():
    return _sdp["math"]


def enable_flash_sdp(enabled):
    _sdp["flash"] = bool(enabled)


def enable_mem_efficient_sdp(enabled):
    _sdp["mem_efficient"] = bool(enabled)


def enable_math_sdp(enabled):
    _sdp["math"] = bool(enabled)
