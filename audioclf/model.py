"""The Conv2d-LSTM classifier, built only from :class:`ModelConfig`.

Shapes (B batch, F mel bands, T frames, C channels, K classes, H hidden size, D directions):

    features (B, 1, F, T) --conv blocks, each: Conv2d -> BatchNorm -> ReLU -> MaxPool(p, s)-->
    (B, C, F', T') with F' = F // p**n_blocks and T' = ceil(T / time_pool): only the first
    block has a time stride s = ``cfg.time_pool`` (a fixed, documented stride; 1 keeps every
    frame), the others pool along frequency only (s = 1)
    --permute--> (B, T', C*F') --LSTM over the true lengths ceil(L / time_pool)-->
    outputs (B, T', D*H) (zero at padded steps), final states
    clip logits (B, K)    = head(last layer's final hidden state, directions concatenated)
    step logits (B, T', K) = head(LSTM outputs at every (strided) frame)

Padded frames are zeroed after every block, so a clip gives the same logits alone or padded
in a batch with longer clips (the zero padding a clip sees alone is the zeros it sees padded).
"""

from __future__ import annotations

import torch
from torch import nn
from torch.func import functional_call
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from audioclf.config import ModelConfig


def time_mask(lengths: torch.Tensor, max_len: int) -> torch.Tensor:
    """(B,) lengths -> (B, max_len) bool, True on real frames."""
    return torch.arange(max_len, device=lengths.device)[None, :] < lengths[:, None]


class ConvBlock(nn.Module):
    def __init__(self, c_in: int, c_out: int, kernel_size: int, freq_pool: int,
                 time_pool: int = 1) -> None:
        super().__init__()
        self.conv = nn.Conv2d(c_in, c_out, kernel_size, padding=kernel_size // 2, bias=False)
        self.bn = nn.BatchNorm2d(c_out)
        self.act = nn.ReLU(inplace=True)
        # ceil_mode: a last, partial time step is kept; values are >= 0 after ReLU and the
        # padding is zeroed before pooling, so it cannot win the max over a clip's last frame.
        self.pool = nn.MaxPool2d(kernel_size=(freq_pool, time_pool),
                                 stride=(freq_pool, time_pool), ceil_mode=True)
        self.time_pool = time_pool
        self.pool_factors = (freq_pool, time_pool)

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None, time_major: bool = False
                ) -> torch.Tensor:
        """(B, C_in, F, T) and its time mask (B, 1, 1, T) -> (B, C_out, F // p, ceil(T / s)).

        Padded frames are zeroed before pooling, so they never win a max over real frames.
        ``mask=None``: no padded frames. In eval mode the BatchNorm is folded into the conv
        (computed per call, so it follows the weights while training): one pass, not two.
        ``time_major`` (eval): the result's memory is laid out (T', B, C, F'), the order
        :func:`_lstm_input` wants, so it needs no copy there.
        """
        if self.training or self.bn.running_mean is None:
            y = self.act(self.bn(self.conv(x)))
            return self.pool(y if mask is None else y * mask)
        weight, shift = self.folded()
        y = nn.functional.conv2d(x, weight, shift, padding=self.conv.padding)
        y = y if mask is None else y * mask
        # ReLU after pooling: max and ReLU commute, and a zeroed (padded) frame in the max
        # gives relu(max(a, 0)) = max(relu(a), 0), as before; ReLU then runs on 1/(p*s) of y
        return torch.relu_(_max_pool_nonneg(y, self.pool_factors, time_major))

    def folded(self) -> tuple[torch.Tensor, torch.Tensor]:
        """Eval-mode conv weight (C_out, C_in, k, k) and bias (C_out,) with the BatchNorm
        (running statistics) folded in."""
        mean, var = self.bn.running_mean, self.bn.running_var
        assert mean is not None and var is not None
        scale = self.bn.weight * torch.rsqrt(var + self.bn.eps)
        return self.conv.weight * scale[:, None, None, None], self.bn.bias - mean * scale


def _channels_last(x: torch.Tensor) -> torch.Tensor:
    """Channels-last layout for a conv input with several channels: the oneDNN convolutions
    run several times faster on it on CPU at inference (measured: the default model's second
    conv block, 19 ms -> 4.5 ms for 256 windows). Same values; a single channel is left as it
    is. Eval only: in training, with a new batch shape at every step, it made epochs ~20%
    slower (bench.train_fsdd, A/B against the previous commit)."""
    return x.contiguous(memory_format=torch.channels_last) if x.shape[1] > 1 else x


def _lstm_input(x: torch.Tensor) -> torch.Tensor:
    """(B, C, F', T') -> (B, T', C*F'), laid out time-major in memory (a transposed view of a
    contiguous (T', B, C*F')): the LSTM works time-major, and given this layout it skips its
    own transposing copy (measured ~5% of the LSTM call on CPU). Same values."""
    t = x.shape[3]
    return x.permute(3, 0, 1, 2).reshape(t, x.shape[0], -1).transpose(0, 1)


def _max_pool_nonneg(y: torch.Tensor, factors: tuple[int, int], time_major: bool = False
                     ) -> torch.Tensor:
    """MaxPool2d(kernel = stride = ``factors``, ceil_mode=True) of a tensor >= 0 (after ReLU),
    as element-wise maxima of strided views: the same values, several times faster on CPU
    than the pooling kernel. Zero padding to a multiple is exact because y >= 0 (or because
    a ReLU follows: relu(max(a, 0)) = relu(max(a)), which is how the eval path uses it). Eval only:
    with autograd, its backward costs more than MaxPool2d's (measured: training steps ~25%
    slower), so training keeps the pooling module. ``time_major``: the last maximum is
    written into memory laid out (T', B, C, F') (see ConvBlock.forward); same values."""
    b, c, f, t = y.shape
    buf = None
    if time_major:
        buf = torch.empty(-(-t // factors[1]), b, c, -(-f // factors[0]), dtype=y.dtype,
                          device=y.device).permute(1, 2, 3, 0)
    pooled = [(dim, k) for dim, k in ((2, factors[0]), (3, factors[1])) if k > 1]
    for n, (dim, k) in enumerate(pooled):
        extra = -y.shape[dim] % k
        if extra:
            pad = [0, 0, 0, 0]
            pad[(3 - dim) * 2 + 1] = extra  # F.pad order: last dim first
            y = nn.functional.pad(y, pad)
        out = _every(y, dim, 0, k)
        for i in range(1, k):
            last = buf is not None and n == len(pooled) - 1 and i == k - 1
            out = torch.maximum(out, _every(y, dim, i, k), out=buf if last else None)
        y = out
    if buf is not None and not pooled:
        return buf.copy_(y)
    return y


def _every(y: torch.Tensor, dim: int, start: int, step: int) -> torch.Tensor:
    return y[:, :, start::step] if dim == 2 else y[:, :, :, start::step]


def _dct_projection(k: int, n_mels: int) -> torch.Tensor:
    """(F, F) projection onto the first ``k`` orthonormal DCT-II basis vectors over the mel
    bands: applied to a spectrum, it keeps the shape at scales of about F / k bands and
    coarser (k = 1: the mean over bands; k = F: everything)."""
    import torchaudio

    # on the CPU even inside a `torch.device("meta")` block (checkpoint._check_shapes): a
    # meta-device arange goes through PyTorch's reference decompositions, whose first use
    # imports modules worth 1.6 s and 150 MB of resident memory
    with torch.device("cpu"):
        dct = torchaudio.functional.create_dct(k, n_mels, norm="ortho")  # (F, k)
        return dct @ dct.T


_LSTM_WEIGHTS = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")


class ConvLSTM(nn.Module):
    """Conv2d-LSTM over log-mel images; see the module docstring for shapes."""

    def __init__(self, cfg: ModelConfig, n_mels: int, n_classes: int) -> None:
        super().__init__()
        self.cfg = cfg
        self.n_mels = n_mels
        self.n_classes = n_classes
        if cfg.kernel_size < 1 or cfg.kernel_size % 2 == 0:
            raise ValueError(f"kernel_size must be odd ('same' padding), not {cfg.kernel_size}")
        blocks, c_in, f = [], 1, n_mels
        for i, c_out in enumerate(cfg.conv_channels):
            blocks.append(ConvBlock(c_in, c_out, cfg.kernel_size, cfg.freq_pool,
                                    cfg.time_pool if i == 0 else 1))
            c_in, f = c_out, f // cfg.freq_pool
        if cfg.input_norm not in ("none", "mean", "band_mean"):
            raise ValueError(f"unknown input_norm {cfg.input_norm!r}")
        if f < 1:
            raise ValueError(f"{n_mels} mel bands are too few for {len(blocks)} pooling blocks")
        if not 0 <= cfg.lifter <= n_mels:
            raise ValueError(f"lifter {cfg.lifter} must be between 0 and n_mels ({n_mels})")
        if not 0 <= cfg.norm_dct <= n_mels:
            raise ValueError(f"norm_dct {cfg.norm_dct} must be between 0 and n_mels ({n_mels})")
        if cfg.norm_dct and cfg.input_norm != "band_mean":
            raise ValueError("norm_dct needs input_norm 'band_mean'")
        self.blocks = nn.ModuleList(blocks)
        if cfg.lifter:  # (F, F) projection onto the first `lifter` DCT-II basis vectors
            self.register_buffer("smooth", _dct_projection(cfg.lifter, n_mels), persistent=False)
        if cfg.norm_dct:  # the same kind of projection, for the band means (input_offsets)
            self.register_buffer("norm_smooth", _dct_projection(cfg.norm_dct, n_mels),
                                 persistent=False)
        self.lstm_input = c_in * f
        self.lstm = nn.LSTM(
            self.lstm_input, cfg.hidden_size, num_layers=cfg.num_layers, batch_first=True,
            bidirectional=cfg.bidirectional, dropout=cfg.dropout if cfg.num_layers > 1 else 0.0,
        )
        self.directions = 2 if cfg.bidirectional else 1
        # One-directional, one-layer LSTMs of layer 0's and later layers' input sizes: only
        # their structure is used (lstm_padded calls them with self.lstm's weights). On the
        # meta device, so they hold no memory and draw no random numbers (the model's
        # initial weights for a seed do not depend on them); a plain tuple, so they are
        # neither parameters nor in the state dict.
        self._one_way = tuple(nn.LSTM(i, cfg.hidden_size, batch_first=True, device="meta")
                              for i in (self.lstm_input, cfg.hidden_size * self.directions))
        self.dropout = nn.Dropout(cfg.dropout)
        self.head = nn.Linear(cfg.hidden_size * self.directions, n_classes)

    def encode(self, x: torch.Tensor, lengths: torch.Tensor | None = None
               ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(B, 1, F, T), (B,) -> (outputs (B, T', D*H), final (B, D*H), lengths' (B,)).

        ``lengths=None`` means every example is T frames long (no packing, faster)."""
        b, _, _, t = x.shape
        full = lengths is None  # every example is T frames long: the LSTM needs no packing
        if lengths is None:
            lengths = torch.full((b,), t, dtype=torch.long, device=x.device)
        lengths = lengths.clamp(min=1, max=t)
        # (B, 1, 1, T); None when nothing is padded (multiplying by ones would change nothing)
        mask = None if full else time_mask(lengths, t)[:, None, None, :].to(x.dtype)
        x = self.normalise(x if mask is None else x * mask, mask, lengths)
        if self.cfg.lifter:  # per frame, so padded (zero) frames stay zero
            x = torch.einsum("gf,bcft->bcgt", self.smooth, x)
        for block in self.blocks:
            assert isinstance(block, ConvBlock)
            x = block(x if self.training else _channels_last(x), mask)
            if block.time_pool > 1:
                t = x.shape[3]
                lengths = (lengths + block.time_pool - 1) // block.time_pool
                if mask is not None:
                    mask = time_mask(lengths, t)[:, None, None, :].to(x.dtype)
            if mask is not None:
                x = x * mask
        seq = _lstm_input(x)  # (B, C, F', T') -> (B, T', C*F')
        if full:  # same result as packing equal lengths, without its per-step overhead
            out, (h_n, _) = self.lstm(seq)
            return out, self._final(h_n, b), lengths
        if seq.device.type == "cpu":
            out, final = self.lstm_padded(seq, lengths)
            return out, final, lengths
        # cuDNN runs packed sequences in its fused kernels
        packed = pack_padded_sequence(seq, lengths.cpu(), batch_first=True, enforce_sorted=False)
        out_packed, (h_n, _) = self.lstm(packed)
        out, _ = pad_packed_sequence(out_packed, batch_first=True, total_length=t)
        return out, self._final(h_n, b), lengths

    def lstm_padded(self, seq: torch.Tensor, lengths: torch.Tensor
                    ) -> tuple[torch.Tensor, torch.Tensor]:
        """``self.lstm`` over right-padded sequences (B, T', I) with true lengths (B,) ->
        (outputs (B, T', D*H), zero at padded steps; final (B, D*H)): the values packing the
        sequences gives, from the dense LSTM kernels.

        On CPU a packed sequence takes PyTorch's step-by-step fallback, whose backward is a
        graph of small per-step ops; a dense one takes the fused oneDNN kernel (measured, a
        training step's LSTM with B 32, T' 25, I 320, H 64 x 2: 29 -> 15 ms). Padding after a
        sequence never reaches its states in a forward pass, so each direction of each layer
        runs as a one-directional LSTM with that direction's weights, the reverse direction
        over every sequence reversed within its own length (padding still last).
        """
        b, t, _ = seq.shape
        steps = torch.arange(t, device=seq.device)[None, :]
        valid = steps < lengths[:, None]  # (B, T')
        # per-sequence reversal within its length, padding in place: a self-inverse permutation
        order = torch.where(valid, lengths[:, None] - 1 - steps, steps)[:, :, None]
        x = seq
        for layer in range(self.cfg.num_layers):
            outs = []
            for d in range(self.directions):
                suffix = f"_l{layer}" + ("_reverse" if d else "")
                weights = {f"{name}_l0": getattr(self.lstm, name + suffix)
                           for name in _LSTM_WEIGHTS}
                inp = x.gather(1, order.expand(-1, -1, x.shape[2])) if d else x
                o = functional_call(self._one_way[min(layer, 1)], weights, (inp,), strict=True)[0]
                outs.append(o.gather(1, order.expand(-1, -1, o.shape[2])) if d else o)
            x = torch.cat(outs, dim=2) if len(outs) > 1 else outs[0]
            if layer < self.cfg.num_layers - 1 and self.lstm.dropout > 0:
                x = nn.functional.dropout(x, self.lstm.dropout, self.training)
        out = x * valid[:, :, None].to(x.dtype)
        h = self.cfg.hidden_size
        last = out[torch.arange(b, device=out.device), lengths - 1, :h]  # forward: last true step
        final = torch.cat([last, out[:, 0, h:]], dim=1) if self.directions == 2 else last
        return out, final

    def _final(self, h_n: torch.Tensor, b: int) -> torch.Tensor:
        """LSTM h_n (num_layers * D, B, H) -> the last layer's final state (B, D*H)."""
        last = h_n.view(self.cfg.num_layers, self.directions, b, self.cfg.hidden_size)[-1]
        return last.permute(1, 0, 2).reshape(b, self.directions * self.cfg.hidden_size)

    def normalise(self, x: torch.Tensor, mask: torch.Tensor | None, lengths: torch.Tensor
                  ) -> torch.Tensor:
        """Subtract the per-example mean(s) chosen by ``cfg.input_norm`` over true frames."""
        if self.cfg.input_norm == "none":
            return x
        n = lengths.to(x.dtype)[:, None, None, None]  # (B, 1, 1, 1)
        band = self.input_offsets(x.sum(dim=3, keepdim=True) / n)  # (B, 1, F, 1)
        return x - band if mask is None else (x - band) * mask

    def input_offsets(self, band_means: torch.Tensor) -> torch.Tensor:
        """Each mel band's mean over a window, (..., F, 1) -> what ``normalise`` subtracts
        from that band (same shape), per ``cfg.input_norm``. The shared-window path
        (:mod:`audioclf.overlap`) uses it too, so both subtract the same thing."""
        if self.cfg.input_norm == "none":
            return torch.zeros_like(band_means)
        if self.cfg.input_norm == "mean":
            return band_means.mean(dim=-2, keepdim=True).expand_as(band_means)
        if self.cfg.norm_dct:  # only the band means' smooth shape across frequency
            smooth = self.norm_smooth
            assert isinstance(smooth, torch.Tensor)
            return smooth @ band_means
        return band_means

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None
                ) -> tuple[torch.Tensor, torch.Tensor]:
        """(B, 1, F, T), (B,) true frame counts -> (clip logits (B, K), step logits (B, T, K))."""
        out, final, _ = self.encode(x, lengths)
        return self.head(self.dropout(final)), self.head(self.dropout(out))

    def clip_logits(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        """Clip logits only (B, K): skips the per-step head."""
        _, final, _ = self.encode(x, lengths)
        return self.head(self.dropout(final))

    def clip_logits_of_windows(self, frames: torch.Tensor, n: int, hop: int, window: int
                               ) -> torch.Tensor:
        """Clip logits (n, K) of the windows ``frames[:, i*hop : i*hop + window]``, i < n.

        ``frames`` (F, L). The same values, to float rounding, as ``clip_logits`` of the
        stacked windows, but the first conv block is computed once over the frames the
        windows share (:mod:`audioclf.overlap`). Eval mode.
        """
        from audioclf.overlap import first_block_of_windows

        x = first_block_of_windows(self, frames.contiguous(), n, hop, window)
        if x is None:
            wins = torch.stack([frames[:, i * hop:i * hop + window] for i in range(n)])
            return self.clip_logits(wins[:, None])
        for i, block in enumerate(self.blocks[1:], 2):
            x = block(_channels_last(x), None, time_major=i == len(self.blocks))
        _, (h_n, _) = self.lstm(_lstm_input(x))
        return self.head(self.dropout(self._final(h_n, x.shape[0])))
