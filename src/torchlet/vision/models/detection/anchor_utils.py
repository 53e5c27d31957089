"""AnchorGenerator: for each feature map, the cell anchors (one per size x aspect ratio, centred
at 0, rounded) shifted to every grid position (stride = image size // feature size)."""

import torchlet
from torchlet import nn

__all__ = ["AnchorGenerator"]


class AnchorGenerator(nn.Module):
    def __init__(self, sizes=((128, 256, 512),), aspect_ratios=((0.5, 1.0, 2.0),)):
        super().__init__()
        if not isinstance(sizes[0], (list, tuple)):
            sizes = tuple((s,) for s in sizes)
        if not isinstance(aspect_ratios[0], (list, tuple)):
            aspect_ratios = (aspect_ratios,) * len(sizes)
        self.sizes = sizes
        self.aspect_ratios = aspect_ratios
        self.cell_anchors = [self.generate_anchors(s, a) for s, a in zip(sizes, aspect_ratios)]

    def generate_anchors(self, scales, aspect_ratios, dtype=torchlet.float32, device=None):
        """(len(ratios) * len(scales), 4) boxes [-w/2, -h/2, w/2, h/2] with h/w = ratio, area = scale^2."""
        scales = torchlet.as_tensor(scales, dtype=dtype)
        aspect_ratios = torchlet.as_tensor(aspect_ratios, dtype=dtype)
        h_ratios = torchlet.sqrt(aspect_ratios)
        w_ratios = 1 / h_ratios
        ws = (w_ratios[:, None] * scales[None, :]).view(-1)
        hs = (h_ratios[:, None] * scales[None, :]).view(-1)
        return (torchlet.stack([-ws, -hs, ws, hs], dim=1) / 2).round()

    def set_cell_anchors(self, dtype, device=None):
        self.cell_anchors = [a.to(dtype=dtype) for a in self.cell_anchors]

    def num_anchors_per_location(self):
        return [len(s) * len(a) for s, a in zip(self.sizes, self.aspect_ratios)]

    def grid_anchors(self, grid_sizes, strides):
        if not (len(grid_sizes) == len(strides) == len(self.cell_anchors)):
            raise AssertionError(
                "Anchors should be Tuple[Tuple[int]] because each feature map could potentially have "
                "different sizes and aspect ratios. There needs to be a match between the number of "
                "feature maps passed and the number of sizes / aspect ratios specified."
            )
        anchors = []
        for (grid_h, grid_w), (stride_h, stride_w), base in zip(grid_sizes, strides, self.cell_anchors):
            shifts_x = torchlet.arange(0, grid_w, dtype=torchlet.int32) * stride_w
            shifts_y = torchlet.arange(0, grid_h, dtype=torchlet.int32) * stride_h
            shift_y, shift_x = torchlet.meshgrid(shifts_y, shifts_x, indexing="ij")
            shift_x, shift_y = shift_x.reshape(-1), shift_y.reshape(-1)
            shifts = torchlet.stack((shift_x, shift_y, shift_x, shift_y), dim=1)
            anchors.append((shifts.view(-1, 1, 4) + base.view(1, -1, 4)).reshape(-1, 4))
        return anchors

    def forward(self, image_list, feature_maps):
        grid_sizes = [fm.shape[-2:] for fm in feature_maps]
        image_size = image_list.tensors.shape[-2:]
        strides = [
            [
                torchlet.tensor(image_size[0] // g[0], dtype=torchlet.int64),
                torchlet.tensor(image_size[1] // g[1], dtype=torchlet.int64),
            ]
            for g in grid_sizes
        ]
        self.set_cell_anchors(feature_maps[0].dtype)
        per_map = self.grid_anchors(grid_sizes, strides)
        return [torchlet.cat(list(per_map)) for _ in range(len(image_list.image_sizes))]
