"""The ONNX exporter's errors, with torch.onnx.errors' names and bases."""

__all__ = ["OnnxExporterError", "UnsupportedOperatorError", "SymbolicValueError"]


class OnnxExporterError(RuntimeError):
    """Errors raised by the ONNX exporter."""


class UnsupportedOperatorError(OnnxExporterError):
    """An op or layer the exporter cannot write as ONNX."""

    def __init__(self, name, version=None, supported_version=None):
        where = f" to ONNX opset version {version}" if version is not None else " to ONNX"
        msg = (
            f"Exporting the operator '{name}'{where} is not supported by torchlet's exporter. "
            "Supported: Linear, Conv1d/2d, pooling, activations, BatchNorm (eval), LayerNorm, Flatten, "
            "Embedding, LSTM/GRU, MultiheadAttention and TransformerEncoder(Layer), and the tensor "
            "ops between them (arithmetic, matmul, reshape/view/flatten, permute/transpose, cat, "
            "(un)squeeze, softmax, mean/sum, slicing)."
        )
        if supported_version is not None:
            msg += (
                f" Support for this operator was added in version {supported_version}, try exporting with this version."
            )
        super().__init__(msg)


class SymbolicValueError(OnnxExporterError):
    """A value the exporter cannot represent."""
